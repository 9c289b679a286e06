/* rank_cpu.c: CPU per ranked FTS5 query (issue 19), to compare ranking functions on one
 * database without the store around them. rank0() is sr_rank's formula (bm25 with b = 0) in C,
 * rank1() exact bm25 recomputed with xColumnSize, for comparison with the built-in bm25().
 *
 *   gcc -O2 -o /tmp/rank_cpu benches/search/rank_cpu.c -lsqlite3 -lm
 *   /tmp/rank_cpu DB 'bm25(search_index,10.0,5.0,3.0,3.0,1.0)' WORDS_FILE search_index
 *   /tmp/rank_cpu DB 'rank0(search_index)' WORDS_FILE search_index
 *   /tmp/rank_cpu DB 0 WORDS_FILE search_index      (the rowids only)
 *
 * WORDS_FILE: one FTS5 expression a line ("word" or "pref"*). Prints process CPU per query. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
static const double W[5] = {10, 5, 3, 3, 1}; /* the store's column weights */
/* bm25 with b = 0: no docsize lookup. idf per phrase cached in aux data. */
typedef struct { int n; double idf[8]; } Aux;
static int cnt(const Fts5ExtensionApi *api, Fts5Context *ctx, void *p){ (*(sqlite3_int64*)p)++; return SQLITE_OK; }
static void rank0(const Fts5ExtensionApi *api, Fts5Context *ctx, sqlite3_context *pc, int nVal, sqlite3_value **apVal){
  Aux *aux = api->xGetAuxdata(ctx, 0);
  int np = api->xPhraseCount(ctx);
  if(!aux){ aux = calloc(1,sizeof(Aux)); sqlite3_int64 N=0; api->xRowCount(ctx,&N);
    for(int i=0;i<np&&i<8;i++){ sqlite3_int64 h=0; api->xQueryPhrase(ctx,i,&h,cnt); double idf=log((N-h+0.5)/(h+0.5)); if(idf<=0) idf=1e-6; aux->idf[i]=idf; }
    api->xSetAuxdata(ctx, aux, free); }
  double score=0;
  for(int i=0;i<np&&i<8;i++){ int tf[5]={0}; Fts5PhraseIter it; int c,o;
    for(api->xPhraseFirst(ctx,i,&it,&c,&o); c>=0; api->xPhraseNext(ctx,&it,&c,&o)) if(c<5) tf[c]++;
    double s=0; for(int k=0;k<5;k++) if(tf[k]) s+= W[k]*tf[k]*2.2/(tf[k]+1.2);
    score += aux->idf[i]*s; }
  sqlite3_result_double(pc, -score);
}

typedef struct { double idf[8]; double avg[5]; } Aux1;
static void rank1(const Fts5ExtensionApi *api, Fts5Context *ctx, sqlite3_context *pc, int nVal, sqlite3_value **apVal){
  Aux1 *aux = api->xGetAuxdata(ctx, 0);
  int np = api->xPhraseCount(ctx);
  if(!aux){ aux = calloc(1,sizeof(Aux1)); sqlite3_int64 N=0; api->xRowCount(ctx,&N);
    for(int i=0;i<np&&i<8;i++){ sqlite3_int64 h=0; api->xQueryPhrase(ctx,i,&h,cnt); double idf=log((N-h+0.5)/(h+0.5)); if(idf<=0) idf=1e-6; aux->idf[i]=idf; }
    for(int k=0;k<5;k++){ sqlite3_int64 t=0; api->xColumnTotalSize(ctx,k,&t); aux->avg[k]=(double)t/N; }
    api->xSetAuxdata(ctx, aux, free); }
  double score=0; int len[5]; for(int k=0;k<5;k++) api->xColumnSize(ctx,k,&len[k]);
  for(int i=0;i<np&&i<8;i++){ int tf[5]={0}; Fts5PhraseIter it; int c,o;
    for(api->xPhraseFirst(ctx,i,&it,&c,&o); c>=0; api->xPhraseNext(ctx,&it,&c,&o)) if(c<5) tf[c]++;
    double s=0; for(int k=0;k<5;k++) if(tf[k]) s+= W[k]*tf[k]*2.2/(tf[k]+1.2*(0.25+0.75*len[k]/aux->avg[k]));
    score += aux->idf[i]*s; }
  sqlite3_result_double(pc, -score);
}
/* bm25 as builtin but computed here with xColumnSize, to compare apples */
int main(int argc,char**argv){
  sqlite3*db; sqlite3_open(argv[1],&db); sqlite3_exec(db,"PRAGMA cache_size=-400000",0,0,0);
  fts5_api *api=0; sqlite3_stmt*st; sqlite3_prepare_v2(db,"SELECT fts5(?1)",-1,&st,0); sqlite3_bind_pointer(st,1,&api,"fts5_api_ptr",0); sqlite3_step(st); sqlite3_finalize(st);
  api->xCreateFunction(api,"rank0",0,rank0,0); api->xCreateFunction(api,"rank1",0,rank1,0);
  const char *fn = argv[2]; FILE*f=fopen(argv[3],"r"); char w[64]; char sql[512]; int n=0; double tot=0;
  struct timespec a,b;
  while(fscanf(f,"%63s",w)==1){
    snprintf(sql,sizeof sql,"SELECT rowid, %s AS s FROM %s WHERE %s MATCH ?1 ORDER BY s", fn, argv[4], argv[4]);
    sqlite3_prepare_v2(db,sql,-1,&st,0); sqlite3_bind_text(st,1,w,-1,SQLITE_TRANSIENT);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&a); int r=0; while(sqlite3_step(st)==SQLITE_ROW) r++; clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&b);
    sqlite3_finalize(st); tot += (b.tv_sec-a.tv_sec)*1e3+(b.tv_nsec-a.tv_nsec)/1e6; n++;
  }
  printf("%s %s %s: %d queries, cpu %.3f ms/query\n", argv[2], argv[3], argv[4], n, tot/n);
}
