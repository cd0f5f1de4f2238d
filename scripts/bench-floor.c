/*
 * bench-floor: the round that the FedTwin protocol requires, with nothing else.
 *
 * What it measures is a floor for `scripts/bench-rounds.sh` on the same machine: one
 * coordinator process and SITES site processes on 127.0.0.1 (plain TCP, blocking
 * sockets, one thread each, no TLS, no JSON, no framework), doing per round exactly the
 * signature work and message pattern of a FedTwin round:
 *
 *   coordinator: SHA-256 + Ed25519-sign the task (PARAMS float32 values) once, send it
 *                to every site;
 *   site:        read it, SHA-256 + verify, SHA-256 + sign an update of UPDATE bytes
 *                (a q8 delta of PARAMS values is ~PARAMS bytes), send it;
 *   coordinator: read each update, SHA-256 + verify, sign and send an ack;
 *   site:        read the ack, verify it;
 *   coordinator: after the last update, sign 2 audit batches and the manifest, write the
 *                manifest to DIR (temp file, optional fsync, rename): the round is done.
 *
 * Round time = from building the task to the renamed manifest, as the coordinator logs
 * it. Build and run with scripts/bench-floor.sh.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Variants for the analysis in docs/benchmarks.md: without the per-update ack, and
   without any signature work (messages only). Both default to the real protocol. */
static int with_acks = 1, with_crypto = 1;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0) die("read");
        got += (size_t)r;
    }
}

static void write_full(int fd, const void *buf, size_t n) {
    size_t put = 0;
    while (put < n) {
        ssize_t w = write(fd, (const char *)buf + put, n - put);
        if (w <= 0) die("write");
        put += (size_t)w;
    }
}

static EVP_PKEY *keygen(void) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    EVP_PKEY *key = NULL;
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &key) != 1) die("keygen");
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* FedTwin signs the SHA-256 of the signed bytes, not the bytes themselves. */
static void digest(const unsigned char *msg, size_t len, unsigned char out[32]) {
    unsigned int n = 32;
    if (EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL) != 1) die("sha256");
}

static void sign(EVP_PKEY *key, const unsigned char *msg, size_t len, unsigned char sig[64]) {
    unsigned char d[32];
    size_t n = 64;
    if (!with_crypto) { memset(sig, 0, 64); return; }
    digest(msg, len, d);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 || EVP_DigestSign(ctx, sig, &n, d, 32) != 1) die("sign");
    EVP_MD_CTX_free(ctx);
}

static void verify(EVP_PKEY *key, const unsigned char *msg, size_t len, const unsigned char sig[64]) {
    unsigned char d[32];
    if (!with_crypto) return;
    digest(msg, len, d);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1 || EVP_DigestVerify(ctx, sig, 64, d, 32) != 1) {
        fprintf(stderr, "signature does not verify\n");
        exit(1);
    }
    EVP_MD_CTX_free(ctx);
}

/* A frame on the wire: u32 length, body, 64-byte signature. */
static void send_frame(int fd, EVP_PKEY *key, const unsigned char *body, uint32_t len) {
    unsigned char sig[64];
    uint32_t n = htonl(len);
    sign(key, body, len, sig);
    write_full(fd, &n, 4);
    write_full(fd, body, len);
    write_full(fd, sig, 64);
}

static uint32_t recv_frame(int fd, EVP_PKEY *key, unsigned char *body, uint32_t cap) {
    uint32_t n;
    unsigned char sig[64];
    read_full(fd, &n, 4);
    n = ntohl(n);
    if (n > cap) { fprintf(stderr, "frame of %u bytes over %u\n", n, cap); exit(1); }
    read_full(fd, body, n);
    read_full(fd, sig, 64);
    verify(key, body, n, sig);
    return n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void site(int port, int rounds, size_t task_bytes, size_t update_bytes, EVP_PKEY *me, EVP_PKEY *coordinator) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    unsigned char *task = malloc(task_bytes), *update = malloc(update_bytes), ack[256];
    for (int r = 0; r < rounds; r++) {
        recv_frame(fd, coordinator, task, (uint32_t)task_bytes);
        for (size_t i = 0; i < update_bytes; i++) update[i] = task[i % task_bytes] ^ (unsigned char)r;  /* the "training" */
        send_frame(fd, me, update, (uint32_t)update_bytes);
        if (with_acks) recv_frame(fd, coordinator, ack, sizeof ack);
    }
    close(fd);
    exit(0);
}

int main(int argc, char **argv) {
    int sites = argc > 1 ? atoi(argv[1]) : 10;
    int rounds = argc > 2 ? atoi(argv[2]) : 200;
    size_t params = argc > 3 ? (size_t)atol(argv[3]) : 10000;
    const char *dir = argc > 4 ? argv[4] : "/dev/shm";
    int do_fsync = argc > 5 ? atoi(argv[5]) : 1;
    with_acks = argc > 6 ? atoi(argv[6]) : 1;
    with_crypto = argc > 7 ? atoi(argv[7]) : 1;
    size_t task_bytes = params * 4 + 1024, update_bytes = params + 1024, manifest_bytes = 2048 + 300 * (size_t)sites;
    if (sites < 1 || rounds < 2) { fprintf(stderr, "usage: bench-floor SITES ROUNDS PARAMS DIR FSYNC [ACKS [CRYPTO]]\n"); return 2; }

    EVP_PKEY *coordinator = keygen();
    EVP_PKEY **keys = calloc((size_t)sites, sizeof *keys);
    for (int i = 0; i < sites; i++) keys[i] = keygen();

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, sites) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &alen) != 0) die("listen");
    int port = ntohs(addr.sin_port);
    for (int i = 0; i < sites; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) site(port, rounds, task_bytes, update_bytes, keys[i], coordinator);
    }
    /* Connections arrive in any order; each site is identified by trying its key on its first update. */
    int *fds = calloc((size_t)sites, sizeof *fds);
    int one = 1;
    for (int i = 0; i < sites; i++) {
        fds[i] = accept(listener, NULL, NULL);
        if (fds[i] < 0) die("accept");
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    int *owner = malloc((size_t)sites * sizeof *owner);
    for (int i = 0; i < sites; i++) owner[i] = -1;

    unsigned char *task = malloc(task_bytes), *update = malloc(update_bytes), *manifest = malloc(manifest_bytes);
    unsigned char ack[128], sig[64];
    struct pollfd *pfds = calloc((size_t)sites, sizeof *pfds);
    double *times = calloc((size_t)rounds, sizeof *times);
    char path[4096], tmp[4096];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ms();
        for (size_t i = 0; i < task_bytes; i++) task[i] = (unsigned char)(i * 31 + r);
        /* One signature for the task, then the same bytes to every site. */
        uint32_t n = htonl((uint32_t)task_bytes);
        sign(coordinator, task, task_bytes, sig);
        for (int i = 0; i < sites; i++) {
            write_full(fds[i], &n, 4);
            write_full(fds[i], task, task_bytes);
            write_full(fds[i], sig, 64);
        }
        int pending = sites;
        for (int i = 0; i < sites; i++) pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        while (pending > 0) {
            if (poll(pfds, (nfds_t)sites, -1) < 0) die("poll");
            for (int i = 0; i < sites; i++) {
                if (!(pfds[i].revents & POLLIN)) continue;
                uint32_t len;
                read_full(fds[i], &len, 4);
                len = ntohl(len);
                if (len > update_bytes) { fprintf(stderr, "update too large\n"); return 1; }
                read_full(fds[i], update, len);
                read_full(fds[i], sig, 64);
                if (owner[i] < 0 && !with_crypto) {
                    owner[i] = i;
                } else if (owner[i] < 0) {
                    /* first round: find which site this connection is (a hello would say) */
                    unsigned char d[32];
                    digest(update, len, d);
                    for (int k = 0; k < sites && owner[i] < 0; k++) {
                        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
                        if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, keys[k]) == 1 && EVP_DigestVerify(ctx, sig, 64, d, 32) == 1) owner[i] = k;
                        EVP_MD_CTX_free(ctx);
                    }
                    if (owner[i] < 0 && !with_crypto) {
                    owner[i] = i;
                } else if (owner[i] < 0) { fprintf(stderr, "unknown signer\n"); return 1; }
                } else {
                    verify(keys[owner[i]], update, len, sig);
                }
                memset(ack, 'a', sizeof ack);
                if (with_acks) send_frame(fds[i], coordinator, ack, sizeof ack);
                pfds[i].fd = -1;
                pending--;
            }
        }
        /* Commit: two audit batches and the manifest are signed; the manifest is written
           durably (temp file, fsync, rename), as the registry does. */
        for (int a = 0; a < 2; a++) sign(coordinator, manifest, 300, sig);
        for (size_t i = 0; i < manifest_bytes; i++) manifest[i] = (unsigned char)(i + r);
        sign(coordinator, manifest, manifest_bytes, sig);
        snprintf(tmp, sizeof tmp, "%s/.manifest-%d.tmp", dir, r);
        snprintf(path, sizeof path, "%s/manifest-%06d.json", dir, r);
        int f = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (f < 0) die("open manifest");
        write_full(f, manifest, manifest_bytes);
        write_full(f, sig, 64);
        if (do_fsync && fsync(f) != 0) die("fsync");
        close(f);
        if (rename(tmp, path) != 0) die("rename");
        times[r] = now_ms() - t0;
    }
    for (int i = 0; i < sites; i++) close(fds[i]);
    for (int i = 0; i < sites; i++) wait(NULL);
    for (int r = 0; r < rounds; r++) {
        snprintf(path, sizeof path, "%s/manifest-%06d.json", dir, r);
        unlink(path);
    }
    /* Round 1 identifies the sites; report rounds 2..N like bench-rounds.sh. */
    qsort(times + 1, (size_t)rounds - 1, sizeof *times, cmp_double);
    int m = rounds - 1;
    printf("protocol floor: %d sites, %zu params, %d rounds, manifest in %s%s%s%s: median %.2f ms, min %.2f ms, max %.2f ms\n",
           sites, params, rounds, dir, do_fsync ? " (fsync)" : "", with_acks ? "" : ", no acks", with_crypto ? "" : ", no signatures",
           times[1 + (m - 1) / 2], times[1], times[rounds - 1]);
    return 0;
}
