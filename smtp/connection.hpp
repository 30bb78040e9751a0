// One SMTP or LMTP connection: the stream, its line reader and its writer.
// The same object serves both roles, because after ATRN the provider, which
// was the server, becomes the client on the same connection.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "smtp/capabilities.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/reply.hpp"
#include "smtp/stream.hpp"
#include "smtp/tls.hpp"

namespace odmr {

class Connection {
public:
    Connection(std::unique_ptr<Stream> stream, std::size_t max_line_length);

    Stream& stream() { return *stream_; }
    LineReader& reader() { return reader_; }
    BufferedWriter& writer() { return writer_; }

    // Reads one line. Output still buffered is written first whenever the
    // peer may be waiting for it, which is how pipelined replies go out
    // together (RFC 2920).
    Line read_line(Deadline deadline);

    // Queues a line (CRLF is added) or a reply; flush() or the next read
    // sends it.
    void send_line(std::string_view line);
    void send_reply(int code, std::string_view text);
    void send_reply(const Reply& reply);
    void flush(Deadline deadline) { writer_.flush(deadline); }

    // Writes what is queued, then reads the peer's reply.
    Reply read_reply(Deadline deadline);

    // Starts TLS on this connection. Anything already buffered is dropped
    // first: bytes that arrived before the handshake were sent in plaintext
    // and must not be taken for commands sent under TLS.
    void start_tls(const TlsContext& context, TlsStream::Role role, const std::string& server_name,
                   Deadline deadline);

    bool tls_active() const { return tls_active_; }
    const std::string& tls_description() const { return tls_description_; }

private:
    std::unique_ptr<Stream> stream_;
    LineReader reader_;
    BufferedWriter writer_;
    bool tls_active_ = false;
    std::string tls_description_;
};

// A command and its reply, for the client role.
Reply send_command(Connection& connection, std::string_view line, Deadline deadline);

struct Greeting {
    Reply reply;                // the reply to EHLO, or to HELO after the fallback
    Capabilities capabilities;  // empty after HELO
    bool extended = false;      // true when EHLO worked
};

// Sends EHLO and, when the server rejects it with 5xx, HELO (RFC 5321
// section 3.2). The reply code tells the caller whether either worked.
Greeting send_ehlo(Connection& connection, std::string_view client_name, Deadline deadline);

}  // namespace odmr
