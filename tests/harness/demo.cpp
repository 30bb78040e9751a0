// odmr-demo: moves real mail from a provider Postfix to a customer Postfix
// through ATRN, on this machine only, and shows what arrived.
//
// Both Postfix instances are private (their own configuration and queue
// directories under /tmp, loopback ports only). The provider uses the
// snippets from conf-examples/postfix/ as they are. The demo runs as root,
// because `postfix -c DIR` requires it.

#include <unistd.h>

#include <iostream>

#include "smtp/text.hpp"
#include "tests/harness/mail_client.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"

namespace {

using namespace odmr;
using namespace odmr::test;
using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (auto line : split(text, '\n')) lines.emplace_back(line);
    return lines;
}

void step(const std::string& text) { std::cout << "\n==> " << text << "\n" << std::flush; }

int run_demo() {
    TempDirectory directory("odmr-demo");
    step("Working in " + directory.path());

    PostfixOptions provider_options;
    provider_options.hostname = "provider.test";
    provider_options.main_cf = lines_of(conf_example("postfix/main.cf"));
    provider_options.master_cf = lines_of(conf_example("postfix/master.cf"));
    PostfixInstance provider(directory.file("provider"), provider_options);

    OdmrdOptions odmrd_options;
    odmrd_options.accounts = {"demo " + hash_password("CRAM-MD5", "demo-password") + " example.com"};
    OdmrdInstance odmrd(directory.file("odmrd"), provider, odmrd_options);

    PostfixOptions customer_options;
    customer_options.hostname = "customer.test";
    customer_options.mailbox_domains = {"example.com"};
    PostfixInstance customer(directory.file("customer"), customer_options);

    step("Starting the provider Postfix (127.0.0.1:" + std::to_string(provider.smtp_port()) +
         "), odmrd (ATRN on 127.0.0.1:" + std::to_string(odmrd.port()) + ") and the customer Postfix (127.0.0.1:" +
         std::to_string(customer.smtp_port()) + ")");
    provider.start();
    odmrd.start();
    customer.start();

    step("Sending three messages for example.com to the provider, which holds them");
    for (int i = 1; i <= 3; ++i) {
        const std::string recipient = "user" + std::to_string(i) + "@example.com";
        const std::string message = make_message("sender@sender.test", {recipient}, "Demo message " + std::to_string(i),
                                                 "This message waited at the provider until the customer asked for it.\n");
        const Reply reply = send_message(provider.smtp_port(), "sender@sender.test", {recipient}, message);
        std::cout << "   " << recipient << ": " << reply.summary() << "\n";
    }
    wait_until([&] { return provider.queued_recipients() == 3; }, 10s);
    std::string queue;
    run_command({"postqueue", "-c", provider.directory(), "-p"}, queue);
    std::cout << queue;

    step("The customer collects its mail: fetchmail logs in with CRAM-MD5 and sends ATRN example.com");
    const FetchmailRun run = run_fetchmail_odmr(directory.path(), odmrd.port(), "demo", "demo-password",
                                                "example.com", customer.smtp_port());
    std::cout << "   fetchmail exited with status " << run.status << "\n";

    step("odmrd's log of the session");
    for (const auto& line : lines_of(odmrd.log())) {
        if (line.find("debug:") == std::string::npos && !line.empty()) std::cout << "   " << line << "\n";
    }

    step("The customer's mailbox");
    customer.wait_for_delivered(3, 10s);
    const auto delivered = customer.delivered_messages();
    for (const auto& message : delivered) {
        std::cout << "----------------------------------------------------------------------\n" << message;
    }
    std::cout << "----------------------------------------------------------------------\n";

    run_command({"postqueue", "-c", provider.directory(), "-p"}, queue);
    step("The provider's queue afterwards: " + queue);

    const bool success = run.status == 0 && delivered.size() == 3;
    step(success ? "Done: 3 messages moved from the provider to the customer through ATRN."
                 : "The demo did not deliver all three messages; the logs above say why.");
    return success ? 0 : 1;
}

}  // namespace

int main() {
    if (geteuid() != 0) {
        std::cerr << "odmr-demo: run as root; postfix -c DIR needs it\n";
        return 1;
    }
    try {
        return run_demo();
    } catch (const std::exception& error) {
        std::cerr << "odmr-demo: " << error.what() << "\n";
        return 1;
    }
}
