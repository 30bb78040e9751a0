// odmr-demo: moves real mail from a provider Postfix to a customer Postfix
// with odmr-fetch, once through ATRN and once through ETRN, on this
// machine only, and shows what arrived.
//
// Both Postfix instances are private (their own configuration and queue
// directories under /tmp, loopback ports only). The provider uses the
// snippets from conf-examples/postfix/ as they are and holds example.com
// for odmrd; it also holds example.org for Postfix's own ETRN, delivering
// to the customer's fixed address when asked. The customer's Postfix has
// the listener from conf-examples/customer/master.cf. The demo runs as
// root, because `postfix -c DIR` requires it.

#include <unistd.h>

#include <iostream>
#include <map>

#include "smtp/text.hpp"
#include "tests/harness/fetch_instance.hpp"
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

void show(const std::string& text) {
    for (const auto& line : lines_of(text)) {
        if (!line.empty()) std::cout << "   " << line << "\n";
    }
}

// The provider: conf-examples/postfix/ for the ATRN domain example.com,
// and example.org held for ETRN with Postfix's etrn-only pattern, routed
// to the customer's fixed address. Three of the example's settings are
// extended by the ETRN domain; the rest stay as they are.
PostfixOptions provider_options(std::uint16_t customer_port) {
    const std::map<std::string, std::string> extended{
        {"relay_domains", "relay_domains = hash:$config_directory/odmr_transport, example.org"},
        {"transport_maps", concat("transport_maps = hash:$config_directory/odmr_transport, inline:{ {example.org = "
                                  "etrn-only:[127.0.0.1]:", customer_port, "} }")},
        {"defer_transports", "defer_transports = odmr, etrn-only"},
    };

    PostfixOptions options;
    options.hostname = "provider.test";
    for (const auto& line : lines_of(conf_example("postfix/main.cf"))) {
        const auto found = extended.find(line.substr(0, line.find(' ')));
        options.main_cf.push_back(found == extended.end() ? line : found->second);
    }
    options.main_cf.push_back("smtpd_etrn_restrictions = permit_mynetworks, reject");
    options.master_cf = lines_of(conf_example("postfix/master.cf"));
    options.master_cf.push_back("etrn-only unix  -       -       n       -       -       smtp");
    return options;
}

void send_demo_message(const PostfixInstance& provider, const std::string& recipient, const std::string& subject) {
    const std::string message = make_message("sender@sender.test", {recipient}, subject,
                                             "This message waited at the provider until the customer asked for it.\n");
    const Reply reply = send_message(provider.smtp_port(), "sender@sender.test", {recipient}, message);
    std::cout << "   " << recipient << ": " << reply.summary() << "\n";
}

int run_demo() {
    TempDirectory directory("odmr-demo");
    step("Working in " + directory.path());

    const std::uint16_t listener_port = free_port();
    PostfixOptions customer_options;
    customer_options.hostname = "customer.test";
    customer_options.mailbox_domains = {"example.com", "example.org"};
    customer_options.master_cf = customer_listener_lines(listener_port);
    PostfixInstance customer(directory.file("customer"), customer_options);

    PostfixInstance provider(directory.file("provider"), provider_options(customer.smtp_port()));

    OdmrdOptions odmrd_options;
    odmrd_options.accounts = {"demo " + hash_password("CRAM-MD5", "demo-password") + " example.com"};
    OdmrdInstance odmrd(directory.file("odmrd"), provider, odmrd_options);

    step(concat("Starting the provider Postfix (127.0.0.1:", provider.smtp_port(), "), odmrd (ATRN on 127.0.0.1:",
                odmrd.port(), ") and the customer Postfix (127.0.0.1:", customer.smtp_port(),
                ", and its odmr-fetch listener on 127.0.0.1:", listener_port, ")"));
    provider.start();
    odmrd.start();
    customer.start();

    step("Sending three messages for example.com (ATRN) and two for example.org (ETRN) to the provider, which holds them");
    for (int i = 1; i <= 3; ++i) send_demo_message(provider, concat("user", i, "@example.com"), concat("ATRN demo message ", i));
    for (int i = 1; i <= 2; ++i) send_demo_message(provider, concat("user", i, "@example.org"), concat("ETRN demo message ", i));
    wait_until([&] { return provider.queued_recipients() == 5; }, 10s);
    std::string queue;
    run_command({"postqueue", "-c", provider.directory(), "-p"}, queue);
    show(queue);

    OdmrFetchInstance fetch(directory.file("odmr-fetch"));
    fetch.write_jobs({
        concat("office 127.0.0.1:", odmrd.port(), " atrn example.com;demo:demo-password on-demand relay=inet:127.0.0.1:",
               listener_port),
        concat("backup 127.0.0.1:", provider.smtp_port(), " etrn example.org on-demand"),
    });
    step("The customer's download jobs, as odmr-fetch --check-config shows them");
    show(fetch.run({"--check-config"}).output);

    step("The customer collects its mail: odmr-fetch --once logs in with CRAM-MD5 and sends ATRN example.com, relaying "
         "the turned-around session into its Postfix; then it sends ETRN example.org, and the provider's Postfix "
         "delivers to the customer's smtpd");
    const FetchRun run = fetch.run({"--once"});
    show(run.output);
    std::cout << "   odmr-fetch exited with status " << run.status << "\n";

    step("odmrd's log of the ATRN session");
    for (const auto& line : lines_of(odmrd.log())) {
        if (line.find("debug:") == std::string::npos && !line.empty()) std::cout << "   " << line << "\n";
    }

    step("The customer's mailbox");
    customer.wait_for_delivered(5, 30s);
    const auto delivered = customer.delivered_messages();
    for (const auto& message : delivered) {
        std::cout << "----------------------------------------------------------------------\n" << message;
    }
    std::cout << "----------------------------------------------------------------------\n";

    wait_until([&] { return provider.queued_recipients() == 0; }, 10s);
    run_command({"postqueue", "-c", provider.directory(), "-p"}, queue);
    step("The provider's queue afterwards: " + queue);

    const bool success = run.status == 0 && delivered.size() == 5;
    step(success ? "Done: 5 messages moved from the provider to the customer, 3 through ATRN and 2 through ETRN."
                 : "The demo did not deliver all five messages; the logs above say why.");
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
