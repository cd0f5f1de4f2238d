#ifndef FEDTWIN_CZLIB_SHIM_H
#define FEDTWIN_CZLIB_SHIM_H

#include <zlib.h>

/* deflateInit/inflateInit are macros (they pass the version and struct size). */

static inline int fedtwin_deflateInit(z_streamp strm, int level) {
    return deflateInit(strm, level);
}

static inline int fedtwin_inflateInit(z_streamp strm) {
    return inflateInit(strm);
}

/* inflateInit2 with windowBits 15 + 16 reads a gzip (RFC 1952) member. */
static inline int fedtwin_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif
