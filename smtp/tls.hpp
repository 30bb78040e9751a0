// TLS with OpenSSL: contexts built from the configuration, and a Stream
// that encrypts over a socket. Only TLS 1.2 and newer are allowed.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "smtp/io_error.hpp"
#include "smtp/peer_certificate.hpp"
#include "smtp/stream.hpp"

namespace odmr {

class TlsContext {
public:
    // A server context with the certificate chain and key (PEM files).
    // Throws std::runtime_error naming the file when one cannot be loaded.
    static std::shared_ptr<TlsContext> server(const std::string& certificate_file, const std::string& key_file);

    // A client context. With verify set, the peer's certificate must chain
    // to ca_file (or the system store when ca_file is empty).
    static std::shared_ptr<TlsContext> client(const std::string& ca_file, bool verify);

    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* native() const { return context_; }
    bool verifies_peer() const { return verify_; }

private:
    TlsContext(SSL_CTX* context, bool verify) : context_(context), verify_(verify) {}
    SSL_CTX* context_;
    bool verify_;
};

// A failed handshake, with what OpenSSL reported, so that a caller can
// name the cause and its fix.
class TlsHandshakeError : public IoError {
public:
    TlsHandshakeError(const std::string& message, int reason, long verify_result, PeerCertificate certificate)
        : IoError(IoError::Kind::tls, message), reason_(reason), verify_result_(verify_result),
          certificate_(std::move(certificate)) {}

    // OpenSSL's reason code (ERR_GET_REASON), such as
    // SSL_R_WRONG_VERSION_NUMBER, or 0 when OpenSSL gave none.
    int reason() const { return reason_; }

    // True when the peer's certificate failed verification. verify_result
    // then gives the reason, such as X509_V_ERR_HOSTNAME_MISMATCH.
    bool certificate_rejected() const;
    long verify_result() const { return verify_result_; }

    // The peer's own certificate, empty when the peer sent none.
    const PeerCertificate& certificate() const { return certificate_; }

private:
    int reason_;
    long verify_result_;
    PeerCertificate certificate_;
};

class TlsStream : public Stream {
public:
    enum class Role { client, server };

    // Takes over the socket of `plain`. For a client, server_name is sent
    // as SNI and, when the context verifies, checked against the
    // certificate.
    TlsStream(std::unique_ptr<FdStream> plain, const TlsContext& context, Role role,
              const std::string& server_name = {});
    ~TlsStream() override;

    // Runs the handshake. Throws TlsHandshakeError when OpenSSL rejects
    // it, and IoError when the connection ends or the deadline passes.
    void handshake(Deadline deadline);

    std::size_t read_some(char* buffer, std::size_t size, Deadline deadline) override;
    void write_all(std::string_view data, Deadline deadline) override;
    bool input_pending() override;
    void shutdown_write() override;
    int input_fd() const override { return plain_->input_fd(); }
    int output_fd() const override { return plain_->output_fd(); }

    // "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", for the session log.
    std::string description() const;

private:
    // Waits as OpenSSL asks after a call returned `result`; throws on a
    // real error.
    void wait_after(int result, Deadline deadline, const char* what);

    [[noreturn]] void throw_handshake_error();

    std::unique_ptr<FdStream> plain_;
    SSL* ssl_;
};

// The reason for the newest OpenSSL error, for messages.
std::string openssl_error_text();

}  // namespace odmr
