#include "tests/harness/postfix_instance.hpp"

#include <dirent.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "plugin/host/postfix_queue.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

namespace {

// The services Postfix needs, none chrooted: a chroot would need copies of
// system files inside every test directory.
const char* const base_services = R"(pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
)";

constexpr uid_t nobody = 65534;

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

uid_t postfix_user() {
    const passwd* entry = getpwnam("postfix");
    if (entry == nullptr) throw std::runtime_error("the postfix user does not exist; install Postfix first");
    return entry->pw_uid;
}

gid_t postdrop_group() {
    const group* entry = getgrnam("postdrop");
    if (entry == nullptr) throw std::runtime_error("the postdrop group does not exist; install Postfix first");
    return entry->gr_gid;
}

// Creates the queue directories with the owners and modes that Postfix's
// postfix-files lists, as `postfix start` would on its first run.
void create_queue_directories(const std::string& queue) {
    const uid_t postfix = postfix_user();
    const gid_t postdrop = postdrop_group();
    struct Entry {
        const char* name;
        uid_t owner;
        gid_t group;
        unsigned mode;
    };
    const Entry entries[] = {
        {"active", postfix, 0, 0700},   {"bounce", postfix, 0, 0700},   {"corrupt", postfix, 0, 0700},
        {"defer", postfix, 0, 0700},    {"deferred", postfix, 0, 0700}, {"flush", postfix, 0, 0700},
        {"hold", postfix, 0, 0700},     {"incoming", postfix, 0, 0700}, {"private", postfix, 0, 0700},
        {"saved", postfix, 0, 0700},    {"trace", postfix, 0, 0700},    {"maildrop", postfix, postdrop, 0730},
        {"public", postfix, postdrop, 0710}, {"pid", 0, 0, 0755},
    };
    for (const auto& entry : entries) {
        const std::string path = queue + "/" + entry.name;
        make_directory(path, entry.mode);
        if (chown(path.c_str(), entry.owner, entry.group) < 0) throw std::runtime_error("cannot chown " + path);
        chmod(path.c_str(), entry.mode);
    }
}

// Debian's daemon_directory. Asking `postconf -d` instead costs over a
// second, because it works out every default, the host name included.
const char* const daemon_directory = "/usr/lib/postfix/sbin";

void age_file(const std::string& path) {
    const timeval ago[2] = {{std::time(nullptr) - 60, 0}, {std::time(nullptr) - 60, 0}};
    utimes(path.c_str(), ago);
}

}  // namespace

std::string conf_example(const std::string& relative_path) {
    const std::string path = std::string(ODMR_SOURCE_DIRECTORY) + "/conf-examples/" + relative_path;
    const std::string text = read_file(path);
    if (text.empty()) throw std::runtime_error("missing example file " + path);
    return text;
}

PostfixInstance::PostfixInstance(std::string directory, PostfixOptions options)
    : directory_(std::move(directory)), options_(std::move(options)), smtp_port_(free_port(options_.listen_address)) {
    make_directory(directory_, 0755);
    make_directory(directory_ + "/queue", 0755);
    make_directory(directory_ + "/data", 0700);
    make_directory(directory_ + "/log", 0755);
    if (chown((directory_ + "/data").c_str(), postfix_user(), static_cast<gid_t>(-1)) < 0) {
        throw std::runtime_error("cannot give " + directory_ + "/data to the postfix user");
    }

    std::ostringstream main_cf;
    main_cf << "compatibility_level = 3.6\n"
            << "queue_directory = " << directory_ << "/queue\n"
            << "data_directory = " << directory_ << "/data\n"
            << "maillog_file = " << directory_ << "/log/maillog\n"
            << "maillog_file_prefixes = " << directory_ << "\n"
            << "myhostname = " << options_.hostname << "\n"
            << "inet_interfaces = 127.0.0.1\n"
            << "inet_protocols = ipv4\n"
            << "mydestination =\n"
            << "mynetworks = 127.0.0.0/8\n"
            << "alias_maps =\n"
            << "alias_database =\n"
            << "smtp_dns_support_level = disabled\n"
            << "default_transport = error:mail to other domains stays on this test machine\n"
            << "relay_transport = error:mail to other domains stays on this test machine\n"
            << "local_transport = error:no local delivery in tests\n";

    if (!options_.mailbox_domains.empty()) {
        std::string domains;
        for (const auto& domain : options_.mailbox_domains) domains += (domains.empty() ? "" : ", ") + domain;
        make_directory(directory_ + "/mail", 0755);
        if (chown((directory_ + "/mail").c_str(), nobody, nobody) < 0) {
            throw std::runtime_error("cannot give " + directory_ + "/mail to nobody");
        }
        main_cf << "virtual_mailbox_domains = " << domains << "\n"
                << "virtual_mailbox_base = " << directory_ << "/mail\n"
                << "virtual_mailbox_maps = static:maildir/\n"
                << "virtual_uid_maps = static:" << nobody << "\n"
                << "virtual_gid_maps = static:" << nobody << "\n"
                << "virtual_minimum_uid = 100\n";
    }
    main_cf << join_lines(options_.main_cf);
    write_file(directory_ + "/main.cf", main_cf.str());

    std::ostringstream master_cf;
    master_cf << options_.listen_address << ":" << smtp_port_ << " inet n - n - - smtpd\n" << base_services << join_lines(options_.master_cf);
    write_file(directory_ + "/master.cf", master_cf.str());

    // Postfix programs wait, re-reading every 300 ms, until main.cf is a
    // couple of seconds old, in case an editor is still writing it.
    for (const char* name : {"/main.cf", "/master.cf"}) age_file(directory_ + name);
}

PostfixInstance::~PostfixInstance() {
    try {
        stop();
    } catch (...) {
    }
}

void PostfixInstance::start() {
    // master(8) runs directly: `postfix start` would first spend about a
    // second and a half per instance on checks of a system installation.
    create_queue_directories(directory_ + "/queue");
    std::string output;
    const int status = run_command({std::string(daemon_directory) + "/master", "-c", directory_, "-w"}, output);
    if (status != 0) throw std::runtime_error("master -c " + directory_ + " failed:\n" + output + log());
    running_ = true;
    if (!wait_for_port(smtp_port_, std::chrono::seconds(20), options_.listen_address)) {
        throw std::runtime_error("Postfix in " + directory_ + " does not listen on port " + std::to_string(smtp_port_));
    }
}

void PostfixInstance::stop() {
    if (!running_) return;
    running_ = false;

    // SIGTERM is what `postfix stop` sends; the master passes it on to its
    // children. It takes about a second and a half to go, because its last
    // log line waits for the log daemon it has just stopped.
    const std::string pid_text = read_file(directory_ + "/queue/pid/master.pid");
    const pid_t master = static_cast<pid_t>(std::atol(pid_text.c_str()));
    if (master <= 0) return;
    kill(master, SIGTERM);
    if (!wait_until([master] { return kill(master, 0) != 0; }, std::chrono::seconds(10))) {
        kill(-master, SIGKILL);
    }
}

void PostfixInstance::kill_now() {
    if (!running_) return;
    running_ = false;

    // The master leads a process group of its own, and every daemon it
    // starts stays in it, so one signal to the group reaches them all.
    const std::string pid_text = read_file(directory_ + "/queue/pid/master.pid");
    const pid_t master = static_cast<pid_t>(std::atol(pid_text.c_str()));
    if (master <= 0) throw std::runtime_error("no master pid in " + directory_ + "/queue/pid/master.pid");
    const pid_t group = getpgid(master);
    if (group != master) {
        throw std::runtime_error("the Postfix master " + std::to_string(master) + " of " + directory_ +
                                 " does not lead its process group");
    }
    kill(-group, SIGKILL);
    if (!wait_until([group] { return kill(-group, 0) != 0; }, std::chrono::seconds(10))) {
        throw std::runtime_error("processes of the Postfix instance in " + directory_ + " outlived SIGKILL");
    }
}

void stop_together(const std::vector<PostfixInstance*>& instances) {
    std::vector<std::thread> stoppers;
    for (auto* instance : instances) {
        if (instance != nullptr) stoppers.emplace_back([instance] { instance->stop(); });
    }
    for (auto& stopper : stoppers) stopper.join();
}

void PostfixInstance::postmap(const std::string& file) const {
    std::string output;
    if (run_command({"postmap", "-c", directory_, file}, output) != 0) {
        throw std::runtime_error("postmap " + file + " failed: " + output);
    }
}

std::vector<HeldMessage> PostfixInstance::queue() const {
    PostfixQueueSettings settings;
    settings.config_directory = directory_;
    settings.postqueue_command = "/usr/sbin/postqueue";
    PostfixQueue adapter(settings);
    return adapter.list_held([](std::string_view) { return true; });
}

std::size_t PostfixInstance::queued_recipients() const {
    std::size_t count = 0;
    for (const auto& message : queue()) count += message.recipients.size();
    return count;
}

std::string PostfixInstance::log() const { return read_file(directory_ + "/log/maillog"); }

bool PostfixInstance::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return log().find(text) != std::string::npos; }, timeout);
}

std::vector<std::string> PostfixInstance::delivered_messages() const {
    const std::string directory = directory_ + "/mail/maildir/new";
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        names.push_back(entry.path().string());
    }
    // Maildir names start with the delivery time in seconds; the rest of
    // the name keeps deliveries within one second apart.
    std::sort(names.begin(), names.end());
    std::vector<std::string> messages;
    for (const auto& name : names) messages.push_back(read_file(name));
    return messages;
}

bool PostfixInstance::wait_for_delivered(std::size_t count, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return delivered_messages().size() >= count; }, timeout);
}

}  // namespace odmr::test
