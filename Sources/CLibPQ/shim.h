#pragma once
// Declarations only: nothing links libpq (see Sources/PostgresStore/LibPQ.swift).
// Debian's libpq-dev installs the header under postgresql/.
#include <postgresql/libpq-fe.h>
