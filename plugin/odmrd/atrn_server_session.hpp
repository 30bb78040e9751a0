// A client on the ODMR port (RFC 2645): EHLO, STARTTLS, AUTH, then ATRN,
// after which the connection turns around and odmrd delivers the held mail
// as the client of the customer's MTA.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "plugin/odmrd/server_context.hpp"
#include "smtp/command.hpp"
#include "smtp/connection.hpp"
#include "smtp/tls.hpp"

namespace odmr {

class AtrnServerSession {
public:
    AtrnServerSession(std::unique_ptr<Stream> stream, std::string client_address, std::uint16_t client_port,
                      const ServerContext& context);

    // Serves the client until it quits, fails, or the session after ATRN
    // ends. Never throws.
    void run();

private:
    void serve();
    void reply(int code, std::string_view text) { connection_.send_reply(code, text); }
    // Sends an error reply and counts it; after max_errors the client gets
    // 421 and the session ends.
    void reject(int code, std::string_view text);

    void handle_ehlo(const Command& command);
    void handle_helo(const Command& command);
    void handle_starttls();
    void handle_auth(const Command& command);
    void handle_atrn(const Command& command);

    // Each returns why the login failed, or nothing; login is set to the
    // login the client tried, when it got that far.
    std::optional<std::string> authenticate_cram_md5(const Account*& account, std::string& login);
    std::optional<std::string> authenticate_plain(const std::string& initial, const Account*& account,
                                                  std::string& login);
    std::optional<std::string> authenticate_login(const std::string& initial, const Account*& account,
                                                  std::string& login);
    std::optional<std::string> read_sasl_response(bool& cancelled);
    bool starttls_offered() const;
    bool plaintext_auth_allowed() const;

    Deadline command_deadline() const;
    std::string client() const;

    Connection connection_;
    std::string client_address_;
    std::uint16_t client_port_;
    const ServerContext& context_;
    Deadline setup_deadline_;

    std::string helo_name_;
    bool extended_ = false;  // EHLO, not HELO
    std::shared_ptr<const Tables> tables_;
    const Account* account_ = nullptr;  // set after AUTH; points into tables_
    int errors_ = 0;
    bool done_ = false;
};

}  // namespace odmr
