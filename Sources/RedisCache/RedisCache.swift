// RedisCache: work in progress (issue 4).
