#define _GNU_SOURCE
#include <unistd.h>
#include "fedtwin_posix.h"

int fedtwin_syncfs(int fd) {
#if defined(__linux__)
    return syncfs(fd);
#else
    return fsync(fd);
#endif
}
