#!/bin/sh
# autogen.sh: generate ./configure from configure.ac (run once after a fresh clone)
set -e
cd "$(dirname "$0")"
autoreconf -fi
