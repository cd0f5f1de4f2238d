#ifndef FEDTWIN_POSIX_H
#define FEDTWIN_POSIX_H

/// Flushes every dirty page of the filesystem holding `fd` (Linux syncfs(2)); on other
/// systems falls back to fsync(fd). Lets the registry make a whole round's files durable
/// with one barrier instead of one fsync per file.
int fedtwin_syncfs(int fd);

#endif
