#ifndef FEDTWIN_COPENSSL_SHIM_H
#define FEDTWIN_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Function-like macros do not import into Swift; these wrap them. */

static inline void fedtwin_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }

static inline long fedtwin_BIO_get_mem_data(BIO *bio, char **pp) {
    return BIO_get_mem_data(bio, pp);
}

static inline long fedtwin_BIO_set_mem_eof_return(BIO *bio, int v) {
    return BIO_set_mem_eof_return(bio, v);
}

static inline int fedtwin_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int fedtwin_MBSTRING_ASC(void) { return MBSTRING_ASC; }

static inline X509 *fedtwin_SSL_get1_peer_certificate(const SSL *ssl) { return SSL_get1_peer_certificate(ssl); }

#endif
