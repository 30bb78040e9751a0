#include "smtp/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <stdexcept>

#include "smtp/io_error.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::string openssl_error_text() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown TLS error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

static SSL_CTX* new_context(const SSL_METHOD* method) {
    SSL_CTX* context = SSL_CTX_new(method);
    if (context == nullptr) throw std::runtime_error(concat("cannot create a TLS context: ", openssl_error_text()));
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_mode(context, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return context;
}

std::shared_ptr<TlsContext> TlsContext::server(const std::string& certificate_file, const std::string& key_file) {
    SSL_CTX* context = new_context(TLS_server_method());
    std::shared_ptr<TlsContext> result(new TlsContext(context, false));

    if (SSL_CTX_use_certificate_chain_file(context, certificate_file.c_str()) != 1) {
        throw std::runtime_error(concat("cannot load the TLS certificate ", certificate_file, ": ", openssl_error_text()));
    }
    if (SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw std::runtime_error(concat("cannot load the TLS key ", key_file, ": ", openssl_error_text()));
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        throw std::runtime_error(concat("the TLS key ", key_file, " does not match the certificate ", certificate_file));
    }
    return result;
}

std::shared_ptr<TlsContext> TlsContext::client(const std::string& ca_file, bool verify) {
    SSL_CTX* context = new_context(TLS_client_method());
    std::shared_ptr<TlsContext> result(new TlsContext(context, verify));
    if (!verify) return result;

    const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(context)
                                       : SSL_CTX_load_verify_locations(context, ca_file.c_str(), nullptr);
    if (loaded != 1) {
        throw std::runtime_error(concat("cannot load the CA file ", ca_file.empty() ? "(system store)" : ca_file, ": ",
                                        openssl_error_text()));
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    return result;
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

TlsStream::TlsStream(std::unique_ptr<FdStream> plain, const TlsContext& context, Role role,
                     const std::string& server_name)
    : plain_(std::move(plain)), ssl_(SSL_new(context.native())) {
    if (ssl_ == nullptr) throw IoError(IoError::Kind::tls, concat("SSL_new failed: ", openssl_error_text()));
    SSL_set_fd(ssl_, plain_->input_fd());

    if (role == Role::server) {
        SSL_set_accept_state(ssl_);
        return;
    }
    SSL_set_connect_state(ssl_);
    if (!server_name.empty()) {
        SSL_set_tlsext_host_name(ssl_, server_name.c_str());
        if (context.verifies_peer()) SSL_set1_host(ssl_, server_name.c_str());
    }
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

void TlsStream::wait_after(int result, Deadline deadline, const char* what) {
    const int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ) {
        wait_for_fd(plain_->input_fd(), POLLIN, deadline, what);
        return;
    }
    if (error == SSL_ERROR_WANT_WRITE) {
        wait_for_fd(plain_->output_fd(), POLLOUT, deadline, what);
        return;
    }
    if (error == SSL_ERROR_ZERO_RETURN) throw IoError(IoError::Kind::end_of_file, "TLS connection closed by peer");
    if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        throw IoError(IoError::Kind::end_of_file, "connection closed by peer during TLS");
    }
    throw IoError(IoError::Kind::tls, concat("TLS failed while ", what, ": ", openssl_error_text()));
}

bool TlsHandshakeError::certificate_rejected() const {
    return reason_ == SSL_R_CERTIFICATE_VERIFY_FAILED && verify_result_ != X509_V_OK;
}

void TlsStream::handshake(Deadline deadline) {
    while (true) {
        const int result = SSL_do_handshake(ssl_);
        if (result == 1) return;
        if (SSL_get_error(ssl_, result) == SSL_ERROR_SSL) throw_handshake_error();
        wait_after(result, deadline, "in the TLS handshake");
    }
}

void TlsStream::throw_handshake_error() {
    const int reason = ERR_GET_REASON(ERR_peek_error());
    const long verify_result = SSL_get_verify_result(ssl_);

    // A rejected certificate is not kept as the peer's certificate, but the
    // chain the peer sent is, with the peer's own first.
    PeerCertificate certificate;
    const STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);
    if (chain != nullptr && sk_X509_num(chain) > 0) certificate = describe_certificate(sk_X509_value(chain, 0));

    throw TlsHandshakeError(concat("TLS failed while in the TLS handshake: ", openssl_error_text()), reason,
                            verify_result, std::move(certificate));
}

std::size_t TlsStream::read_some(char* buffer, std::size_t size, Deadline deadline) {
    while (true) {
        std::size_t count = 0;
        const int result = SSL_read_ex(ssl_, buffer, size, &count);
        if (result == 1) return count;
        wait_after(result, deadline, "reading");
    }
}

void TlsStream::write_all(std::string_view data, Deadline deadline) {
    while (!data.empty()) {
        std::size_t count = 0;
        const int result = SSL_write_ex(ssl_, data.data(), data.size(), &count);
        if (result == 1) {
            data.remove_prefix(count);
            continue;
        }
        wait_after(result, deadline, "writing");
    }
}

bool TlsStream::input_pending() { return SSL_pending(ssl_) > 0 || plain_->input_pending(); }

void TlsStream::shutdown_write() {
    SSL_shutdown(ssl_);
    plain_->shutdown_write();
}

std::string TlsStream::description() const {
    return concat(SSL_get_version(ssl_), " with cipher ", SSL_get_cipher_name(ssl_));
}

}  // namespace odmr
