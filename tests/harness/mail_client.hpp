// Sending test mail over SMTP, and the peers tests talk to: fetchmail as
// the ODMR client, and a scripted client for bad input.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "smtp/reply.hpp"

namespace odmr::test {

// Builds a message with the headers Postfix would otherwise add (Date,
// Message-ID), so the copy the customer receives can be compared byte for
// byte. Lines end with LF.
// extra_headers are whole lines ("Name: value\n") added after the others.
std::string make_message(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                         const std::string& body, const std::string& extra_headers = "");

// Submits a message to 127.0.0.1:port and returns the final reply
// ("250 2.0.0 Ok: queued as ..."). Throws on a failure before DATA.
Reply send_message(std::uint16_t port, const std::string& from, const std::vector<std::string>& recipients,
                   const std::string& message);

struct FetchmailRun {
    int status = -1;
    std::string output;
};

// Runs fetchmail with protocol ODMR against odmrd, relaying into the
// customer's smtpd, and waits for it to end.
FetchmailRun run_fetchmail_odmr(const std::string& directory, std::uint16_t odmrd_port, const std::string& login,
                                const std::string& password, const std::string& domains,
                                std::uint16_t customer_port, std::chrono::seconds timeout = std::chrono::seconds(60),
                                const std::string& customer_address = "127.0.0.1");

// Runs fetchmail with protocol ETRN against 127.0.0.1:port for the
// domains (comma-separated) and waits for it to end.
FetchmailRun run_fetchmail_etrn(const std::string& directory, std::uint16_t port, const std::string& domains,
                                std::chrono::seconds timeout = std::chrono::seconds(60));

// A scripted SMTP client: raw lines out, replies in.
class ScriptedClient {
public:
    // Connects to host:port; with a source address, from that address
    // (any 127.0.0.0/8 address works on the loopback interface).
    explicit ScriptedClient(std::uint16_t port, const std::string& host = "127.0.0.1", const std::string& source = "");
    ~ScriptedClient();

    Reply read_reply();
    Reply command(const std::string& line);
    void send_raw(const std::string& bytes);

    // For acting as the customer after the turnaround: read the provider's
    // command lines and answer them.
    std::string read_line();
    void send_line(const std::string& line);
    void close();

    // Starts TLS as the client, without checking the server's certificate.
    void start_tls();
    // True when the server closed the connection (reads end of file).
    bool closed_by_server();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace odmr::test
