#!/usr/bin/env bash
# Regenerates everything derived from proto/*.proto. Run it after any change to proto/ (from any directory) and
# commit what it writes:
#   Sources/SRPWire/Generated/*.pb.swift       Swift messages (protoc + protoc-gen-swift)
#   clients/c/generated/**/*.pb-c.[ch]         C messages (protoc-c)
#   proto/srp.desc                             descriptor set (protoc --include_imports --include_source_info)
#   Sources/SRPWire/Generated/SRPMethod.swift  } srp-codegen, from proto/srp.desc
#   Sources/SchemaRegistryClient/Generated/*   }
#   clients/c/generated/sr_*_generated.h       } (the C client's method enum, X-macro lists and call declarations)
# Files whose contents did not change are not touched (their mtimes stay, so nothing rebuilds needlessly).
#
# Environment:
#   PROTOC_GEN_SWIFT  path to protoc-gen-swift (else PATH, else built once into the cache below)
#   SRP_CODEGEN_CACHE cache directory (default ${XDG_CACHE_HOME:-~/.cache}/schema-registry)
set -euo pipefail

# The plugin must match the SwiftProtobuf runtime the package resolves (Package.swift: swift-protobuf from 1.39.0).
SWIFT_PROTOBUF_VERSION=1.39.0
SWIFT_PROTOBUF_LOCAL_MIRROR=/opt/swift-packages/apple/swift-protobuf.git
SWIFT_PROTOBUF_URL=https://github.com/apple/swift-protobuf.git
# proto/srp.desc embeds google/protobuf/descriptor.proto as shipped with protoc; the tests compare it byte for byte
# with what the local protoc produces, so everyone should use this version (Debian/Ubuntu protobuf-compiler).
EXPECTED_PROTOC="libprotoc 3.21.12"

export LC_ALL=C  # byte-wise glob order, the order srp-codegen digests the files in
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
START=$SECONDS

log() { printf 'generate.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

apt_install() {
    command -v apt-get >/dev/null || die "cannot install $* (no apt-get); install it with your package manager"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "installing $* needs root; run: apt-get install -y $*"
        sudo=(sudo)
    fi
    log "installing $* with apt-get"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# ---------------------------------------------------------------- tools

command -v protoc >/dev/null || apt_install protobuf-compiler libprotobuf-dev
command -v protoc-c >/dev/null || apt_install protobuf-c-compiler
PROTOC_INCLUDE="$(dirname "$(command -v protoc)")/../include"
[ -f "$PROTOC_INCLUDE/google/protobuf/descriptor.proto" ] || apt_install libprotobuf-dev
[ -f "$PROTOC_INCLUDE/google/protobuf/descriptor.proto" ] ||
    die "protoc cannot find google/protobuf/descriptor.proto (looked in $PROTOC_INCLUDE)"
if [ "$(protoc --version)" != "$EXPECTED_PROTOC" ]; then
    log "warning: $(protoc --version) is not $EXPECTED_PROTOC; proto/srp.desc will differ from what others generate"
fi

# Prints the path of a protoc-gen-swift, building it into the cache if there is none.
protoc_gen_swift() {
    if [ -n "${PROTOC_GEN_SWIFT:-}" ]; then
        [ -x "$PROTOC_GEN_SWIFT" ] || die "PROTOC_GEN_SWIFT=$PROTOC_GEN_SWIFT is not an executable"
        echo "$PROTOC_GEN_SWIFT"
        return
    fi
    if command -v protoc-gen-swift; then return; fi

    local cache="${SRP_CODEGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/schema-registry}/protoc-gen-swift/$SWIFT_PROTOBUF_VERSION"
    local binary="$cache/bin/protoc-gen-swift"
    if [ -x "$binary" ]; then
        echo "$binary"
        return
    fi
    log "building protoc-gen-swift $SWIFT_PROTOBUF_VERSION into $cache (once; this takes a few minutes)"
    local source="$cache/src"
    rm -rf "$source"
    mkdir -p "$cache/bin"
    if [ -d "$SWIFT_PROTOBUF_LOCAL_MIRROR" ]; then
        git -c advice.detachedHead=false clone --quiet --branch "$SWIFT_PROTOBUF_VERSION" \
            "$SWIFT_PROTOBUF_LOCAL_MIRROR" "$source" >&2
    else
        git -c advice.detachedHead=false clone --quiet --depth 1 --branch "$SWIFT_PROTOBUF_VERSION" \
            "$SWIFT_PROTOBUF_URL" "$source" >&2
    fi
    (cd "$source" && swift build -c release --product protoc-gen-swift >&2)
    cp "$(cd "$source" && swift build -c release --show-bin-path)/protoc-gen-swift" "$binary.tmp"
    mv "$binary.tmp" "$binary"
    rm -rf "$source"
    echo "$binary"
}
PLUGIN="$(protoc_gen_swift)"
PLUGIN_VERSION="$("$PLUGIN" --version 2>/dev/null || true)"
if [ "$PLUGIN_VERSION" != "protoc-gen-swift $SWIFT_PROTOBUF_VERSION" ]; then
    log "warning: $PLUGIN is '${PLUGIN_VERSION:-unknown version}', not protoc-gen-swift $SWIFT_PROTOBUF_VERSION"
fi

# ---------------------------------------------------------------- helpers

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PROTOS=()
for file in proto/*.proto; do PROTOS+=("${file#proto/}"); done
[ ${#PROTOS[@]} -gt 0 ] || die "no proto/*.proto"

# Copies $1 over $2 unless they are equal.
install_file() {
    if ! cmp -s "$1" "$2"; then
        mkdir -p "$(dirname "$2")"
        cp "$1" "$2"
        log "wrote ${2#"$ROOT"/}"
    fi
}

# Makes the files named $3 under directory $2 the same as those under $1: copies new and changed ones, deletes
# the ones no longer generated.
sync_tree() {
    local from="$1" to="$2" pattern="$3" file
    mkdir -p "$to"
    while IFS= read -r file; do
        install_file "$from/$file" "$to/$file"
    done < <(cd "$from" && find . -type f -name "$pattern" | sed 's|^\./||' | sort)
    while IFS= read -r file; do
        if [ ! -e "$from/$file" ]; then
            rm "$to/$file"
            log "removed ${to#"$ROOT"/}/$file"
        fi
    done < <(cd "$to" && find . -type f -name "$pattern" | sed 's|^\./||' | sort)
}

# ---------------------------------------------------------------- (a) Swift messages

mkdir -p "$WORK/swift"
(cd proto && protoc --proto_path=. --plugin=protoc-gen-swift="$PLUGIN" --swift_out="$WORK/swift" \
    --swift_opt=Visibility=Public,FileNaming=DropPath "${PROTOS[@]}")
sync_tree "$WORK/swift" "$ROOT/Sources/SRPWire/Generated" '*.pb.swift'

# ---------------------------------------------------------------- (b) C messages

# srp_options.pb-c.h includes google/protobuf/descriptor.pb-c.h, which protobuf-c does not ship: generate it too.
mkdir -p "$WORK/c"
(cd proto && protoc-c --proto_path=. --c_out="$WORK/c" "${PROTOS[@]}" google/protobuf/descriptor.proto)
sync_tree "$WORK/c" "$ROOT/clients/c/generated" '*.pb-c.[ch]'

# ---------------------------------------------------------------- (c) descriptor set

# Tests/SRPCodegenTests runs exactly this command to check proto/srp.desc is fresh.
(cd proto && protoc --proto_path=. --include_imports --include_source_info \
    --descriptor_set_out="$WORK/srp.desc" "${PROTOS[@]}")
install_file "$WORK/srp.desc" "$ROOT/proto/srp.desc"

# ---------------------------------------------------------------- (d) method tables and client stubs (Swift and C)

# A scratch path of its own, so this does not wait on (or invalidate) the main .build.
swift run --quiet --scratch-path "$ROOT/.build-codegen" srp-codegen \
    --descriptor-set proto/srp.desc --proto-dir proto --output-root .

log "done in $((SECONDS - START))s"
