#include "smtp/connection.hpp"

#include <cstring>

#include "smtp/io_error.hpp"
#include "smtp/text.hpp"

namespace odmr {

Connection::Connection(std::unique_ptr<Stream> stream, std::size_t max_line_length)
    : stream_(std::move(stream)), reader_(*stream_, max_line_length), writer_(*stream_) {}

Line Connection::read_line(Deadline deadline) {
    // Replies to pipelined commands wait in the writer until the client has
    // nothing more buffered, then leave together.
    if (!reader_.has_buffered_line()) writer_.flush(deadline);
    return reader_.read_line(deadline);
}

void Connection::send_line(std::string_view line) {
    writer_.append(line);
    writer_.append("\r\n");
}

void Connection::send_reply(int code, std::string_view text) { send_reply(make_reply(code, text)); }

void Connection::send_reply(const Reply& reply) { writer_.append(reply.wire()); }

Reply Connection::read_reply(Deadline deadline) {
    writer_.flush(deadline);
    return odmr::read_reply(reader_, deadline);
}

void Connection::start_tls(const TlsContext& context, TlsStream::Role role, const std::string& server_name,
                           Deadline deadline) {
    writer_.flush(deadline);
    auto* plain = dynamic_cast<FdStream*>(stream_.get());
    if (plain == nullptr) throw IoError(IoError::Kind::tls, "TLS is already active on this connection");

    std::unique_ptr<FdStream> socket(static_cast<FdStream*>(stream_.release()));
    auto tls = std::make_unique<TlsStream>(std::move(socket), context, role, server_name);
    reader_.set_stream(*tls);
    writer_.set_stream(*tls);
    TlsStream& handshaking = *tls;
    stream_ = std::move(tls);

    handshaking.handshake(deadline);
    tls_active_ = true;
    tls_description_ = handshaking.description();
}

Reply send_command(Connection& connection, std::string_view line, Deadline deadline) {
    connection.send_line(line);
    return connection.read_reply(deadline);
}

Greeting send_ehlo(Connection& connection, std::string_view client_name, Deadline deadline) {
    Greeting greeting;
    greeting.reply = send_command(connection, concat("EHLO ", client_name), deadline);
    if (greeting.reply.positive_completion()) {
        greeting.extended = true;
        greeting.capabilities = Capabilities::from_ehlo_reply(greeting.reply);
        return greeting;
    }
    if (!greeting.reply.permanent_failure()) return greeting;

    greeting.reply = send_command(connection, concat("HELO ", client_name), deadline);
    return greeting;
}

}  // namespace odmr
