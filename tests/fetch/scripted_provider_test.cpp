// Sessions that no real provider or local MTA here can produce on demand.
// A provider goes silent after ATRN or inside a message, a local MTA
// disappears in the middle of a message or speaks LMTP, and a provider
// speaks SCRAM-SHA-256, which odmrd does not offer. A scripted server
// plays the missing side, and the other side is real.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <mutex>

#include "smtp/base64.hpp"
#include "smtp/io_error.hpp"
#include "smtp/text.hpp"
#include "tests/fetch/fetch_fixture.hpp"
#include "tests/fetch/scripted_server.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

using ScriptedProvider = FetchFixture;

constexpr int exit_temporary_failure = 75;
constexpr int exit_permanent_failure = 1;

Deadline soon() { return Deadline::after(Seconds(30)); }

void reply(Connection& connection, int code, const std::string& text) {
    connection.send_reply(code, text);
    connection.flush(soon());
}

// The provider's side up to the turnaround, with AUTH CRAM-MD5 accepting
// any response. Returns the greeting odmr-fetch passes on from the local MTA.
Reply turn_around(Connection& provider) {
    reply(provider, 220, "fake.provider ESMTP");
    read_command(provider, "EHLO");
    reply(provider, 250, "fake.provider\nAUTH CRAM-MD5\nATRN");
    read_command(provider, "AUTH CRAM-MD5");
    reply(provider, 334, base64_encode("<1.2@fake.provider>"));
    provider.read_line(soon());
    reply(provider, 235, "2.7.0 Authentication successful");
    read_command(provider, "ATRN");
    reply(provider, 250, "2.0.0 OK now reversing the connection");
    return provider.read_reply(soon());
}

TEST_F(ScriptedProvider, SilenceAfterAtrnTimesOut) {
    start_customer();
    Reply greeting;
    Reply goodbye;
    ScriptedServer provider([&](Connection& connection) {
        greeting = turn_around(connection);
        goodbye = connection.read_reply(soon());
    });
    fetch_->write_jobs({atrn_job_line("silent", "127.0.0.1", provider.port(), "example.com;login:secret", relay_port_,
                                      "command_timeout=2")});

    const auto started = std::chrono::steady_clock::now();
    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_temporary_failure) << run.output;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
    ASSERT_TRUE(provider.wait_done(10s));
    EXPECT_EQ(greeting.code, 220);
    EXPECT_EQ(greeting.summary(), "220 customer.test ESMTP Postfix");
    EXPECT_EQ(goodbye.summary(), "421 4.4.2 customer.test Error: timeout exceeded");
    EXPECT_NE(run.output.find("reason=timeout: the provider sent no command in time"), std::string::npos) << run.output;

    // The local MTA was left with QUIT, not a dropped connection.
    ASSERT_TRUE(customer_->wait_for_log("postfix/odmr-in/smtpd", 5s));
    EXPECT_FALSE(listener_log_lines(" quit=1 ").empty()) << customer_->log();
    EXPECT_TRUE(customer_->delivered_messages().empty());
}

TEST_F(ScriptedProvider, SilenceInsideMessageDeliversNothing) {
    start_customer();
    Reply data_reply;
    ScriptedServer provider([&](Connection& connection) {
        turn_around(connection);
        connection.send_line("EHLO fake.provider");
        connection.read_reply(soon());
        connection.send_line("MAIL FROM:<sender@sender.test>");
        connection.send_line("RCPT TO:<a@example.com>");
        connection.send_line("DATA");
        connection.read_reply(soon());
        connection.read_reply(soon());
        data_reply = connection.read_reply(soon());
        connection.send_line("Subject: cut short\r\n\r\nThe rest never comes.");
        connection.flush(soon());
        connection.read_reply(soon());
    });
    fetch_->write_jobs({atrn_job_line("stalled", "127.0.0.1", provider.port(), "example.com;login:secret",
                                      relay_port_, "command_timeout=2")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_temporary_failure) << run.output;
    EXPECT_EQ(data_reply.code, 354);
    EXPECT_NE(run.output.find("reason=timeout"), std::string::npos) << run.output;

    // odmr-fetch closed the local connection inside the message, so Postfix
    // discarded the partial message.
    ASSERT_TRUE(customer_->wait_for_log("lost connection after DATA", 10s)) << customer_->log();
    EXPECT_TRUE(customer_->delivered_messages().empty());
    EXPECT_TRUE(provider.wait_done(10s));
}

TEST_F(ScriptedProvider, LocalMtaVanishingKeepsTheMessage) {
    // Here the provider is real (odmrd and Postfix) and the local MTA is
    // scripted: it takes the envelope and closes inside the message.
    start_atrn();
    hold_message({"a@example.com"}, "interrupted", std::string(200000, 'x') + "\n");
    ScriptedServer local([](Connection& connection) {
        reply(connection, 220, "fake.local ESMTP");
        read_command(connection, "EHLO");
        reply(connection, 250, "fake.local\nPIPELINING\n8BITMIME");
        read_command(connection, "MAIL");
        reply(connection, 250, "2.1.0 Ok");
        read_command(connection, "RCPT");
        reply(connection, 250, "2.1.5 Ok");
        read_command(connection, "DATA");
        reply(connection, 354, "End data with <CR><LF>.<CR><LF>");
        connection.read_line(soon());
    });
    fetch_->write_jobs({atrn_job_line("office", "127.0.0.1", odmrd_->port(), "example.com;alice:alice-secret",
                                      local.port(), "xclient=no")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_temporary_failure) << run.output;
    EXPECT_NE(run.output.find("status=deferred (451 4.4.2 Error: lost connection with the local mail server during "
                              "the message"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("reason=lost the local MTA"), std::string::npos) << run.output;
    ASSERT_TRUE(provider_->wait_for_log("status=deferred", 20s)) << provider_->log();
    EXPECT_EQ(provider_->queued_recipients(), 1u) << provider_->log();
}

TEST_F(ScriptedProvider, LmtpRelayOneRecipientPerTransaction) {
    // A scripted LMTP server stands for a local LMTP delivery agent, which
    // Postfix does not have; the provider is real. The message for two
    // recipients arrives as two transactions with one recipient each: the
    // second recipient gets 452, stays queued, and comes with the next run.
    start_atrn();
    const std::string original = hold_message({"b@example.com", "c@example.com"}, "two recipients");

    std::mutex mutex;
    std::vector<std::string> transactions;  // the recipients of each message
    ScriptedServer local([&](Connection& connection) {
        std::string recipients;
        reply(connection, 220, "fake.lmtp LMTP");
        while (true) {
            const std::string line(connection.read_line(soon()).text);
            const std::string verb = to_upper(line.substr(0, 4));
            if (verb == "LHLO") reply(connection, 250, "fake.lmtp\nPIPELINING\nENHANCEDSTATUSCODES");
            else if (verb == "MAIL" || verb == "RSET") {
                recipients.clear();
                reply(connection, 250, "2.0.0 Ok");
            } else if (verb == "RCPT") {
                recipients += line.substr(8) + " ";
                reply(connection, 250, "2.1.5 Ok");
            } else if (verb == "DATA") {
                reply(connection, 354, "End data with <CR><LF>.<CR><LF>");
                while (connection.read_line(soon()).text != ".") {
                }
                const std::lock_guard lock(mutex);
                transactions.push_back(recipients);
                reply(connection, 250, concat("2.0.0 Ok: delivered as LMTP", transactions.size()));
            } else if (verb == "QUIT") {
                reply(connection, 221, "2.0.0 Bye");
                return;
            } else {
                reply(connection, 500, "5.5.2 Unexpected " + line);
            }
        }
    }, 2);
    fetch_->write_jobs({atrn_job_line("office", "127.0.0.1", odmrd_->port(), "example.com;alice:alice-secret",
                                      local.port(), "relay_protocol=lmtp")});

    const FetchRun first = fetch_->run_once();
    EXPECT_EQ(first.status, 0) << first.output;
    EXPECT_NE(first.output.find("to=<c@example.com>, relay=inet:127.0.0.1:"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find("status=deferred (452 4.5.3 Error: too many recipients"), std::string::npos)
        << first.output;
    ASSERT_TRUE(odmrd_->wait_for_log("session=atrn end:", 20s));

    const FetchRun second = fetch_->run_once();
    EXPECT_EQ(second.status, 0) << second.output;

    ASSERT_TRUE(local.wait_done(20s)) << local.error();
    const std::lock_guard lock(mutex);
    ASSERT_EQ(transactions.size(), 2u) << first.output << second.output;
    EXPECT_EQ(transactions[0], "<b@example.com> ");
    EXPECT_EQ(transactions[1], "<c@example.com> ");
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s)) << provider_->log();
}

// The server side of SCRAM-SHA-256 (RFC 5802 section 3) for the password
// "pencil", so the client's proof is checked for real.
class ScramServer {
public:
    std::string first_reply(const std::string& client_first) {
        client_first_bare_ = client_first.substr(3);
        const auto nonce_at = client_first_bare_.find(",r=");
        nonce_ = client_first_bare_.substr(nonce_at + 3) + "server-part";
        server_first_ = concat("r=", nonce_, ",s=", base64_encode(salt_), ",i=4096");
        return server_first_;
    }

    // Checks the proof; returns the server-final message, or "" when the
    // proof is wrong.
    std::string final_reply(const std::string& client_final, bool corrupt_signature) {
        const auto proof_at = client_final.find(",p=");
        const std::string without_proof = client_final.substr(0, proof_at);
        const auto proof = base64_decode(client_final.substr(proof_at + 3)).value_or("");
        const std::string auth_message = concat(client_first_bare_, ",", server_first_, ",", without_proof);

        unsigned char salted[32];
        PKCS5_PBKDF2_HMAC("pencil", 6, reinterpret_cast<const unsigned char*>(salt_.data()),
                          static_cast<int>(salt_.size()), 4096, EVP_sha256(), 32, salted);
        const std::string salted_password(reinterpret_cast<char*>(salted), 32);
        const std::string stored_key = sha256(hmac(salted_password, "Client Key"));
        const std::string signature = hmac(stored_key, auth_message);

        std::string client_key = proof;
        for (std::size_t i = 0; i < client_key.size() && i < signature.size(); ++i) client_key[i] ^= signature[i];
        if (proof.size() != 32 || sha256(client_key) != stored_key) return "";

        std::string server_signature = hmac(hmac(salted_password, "Server Key"), auth_message);
        if (corrupt_signature) server_signature[0] ^= 1;
        return "v=" + base64_encode(server_signature);
    }

private:
    static std::string hmac(const std::string& key, const std::string& data) {
        unsigned char out[32];
        unsigned int length = 0;
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
             data.size(), out, &length);
        return std::string(reinterpret_cast<char*>(out), length);
    }
    static std::string sha256(const std::string& data) {
        unsigned char out[32];
        SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
        return std::string(reinterpret_cast<char*>(out), 32);
    }

    std::string salt_ = "fixed salt";
    std::string client_first_bare_;
    std::string server_first_;
    std::string nonce_;
};

// A provider that offers SCRAM-SHA-256 next to CRAM-MD5 and answers ATRN
// with 453 once the login succeeded.
void scram_provider(Connection& connection, bool corrupt_signature, std::string& outcome) {
    ScramServer scram;
    reply(connection, 220, "fake.provider ESMTP");
    read_command(connection, "EHLO");
    reply(connection, 250, "fake.provider\nAUTH CRAM-MD5 SCRAM-SHA-256\nATRN");

    const std::string auth = read_command(connection, "AUTH SCRAM-SHA-256 ");
    const auto client_first = base64_decode(auth.substr(19)).value_or("");
    reply(connection, 334, base64_encode(scram.first_reply(client_first)));

    const auto client_final = base64_decode(std::string(connection.read_line(soon()).text)).value_or("");
    const std::string server_final = scram.final_reply(client_final, corrupt_signature);
    if (server_final.empty()) {
        outcome = "wrong proof";
        reply(connection, 535, "5.7.8 Authentication credentials invalid");
        return;
    }
    reply(connection, 334, base64_encode(server_final));

    const std::string answer(connection.read_line(soon()).text);
    if (answer == "*") {
        outcome = "client cancelled";
        reply(connection, 501, "5.7.0 Authentication cancelled");
        return;
    }
    outcome = "logged in";
    reply(connection, 235, "2.7.0 Authentication successful");
    read_command(connection, "ATRN");
    reply(connection, 453, "You have no mail");
    read_command(connection, "QUIT");
    reply(connection, 221, "2.0.0 Bye");
}

TEST_F(ScriptedProvider, ScramSha256Login) {
    start_customer();
    std::string outcome;
    ScriptedServer provider([&](Connection& connection) { scram_provider(connection, false, outcome); });
    fetch_->write_jobs({atrn_job_line("scram", "127.0.0.1", provider.port(), "example.com;user:pencil", relay_port_)});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(provider.wait_done(10s));
    EXPECT_EQ(outcome, "logged in") << provider.error();
    EXPECT_NE(run.output.find("login=user authenticated with SCRAM-SHA-256"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("pencil"), std::string::npos) << "a password reached the log";
}

TEST_F(ScriptedProvider, ScramWrongServerSignatureFails) {
    start_customer();
    std::string outcome;
    ScriptedServer provider([&](Connection& connection) { scram_provider(connection, true, outcome); });
    fetch_->write_jobs({atrn_job_line("scram", "127.0.0.1", provider.port(), "example.com;user:pencil", relay_port_)});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    ASSERT_TRUE(provider.wait_done(10s));
    EXPECT_EQ(outcome, "client cancelled") << provider.error();
    EXPECT_NE(run.output.find("sent a wrong SCRAM-SHA-256 server signature"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace odmr::test
