#include "plugin/milter/libmilter_binding.hpp"

#include <libmilter/mfapi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "plugin/host/system_accounts.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// libmilter calls plain C functions, so the policy and the accounting the
// callbacks use live here, set once before smfi_main starts any thread.
const LimitPolicy* current_policy = nullptr;
HeldMailAccounting* current_accounting = nullptr;

class LibmilterContext : public MilterContext {
public:
    explicit LibmilterContext(SMFICTX* context) : context_(context) {}

    std::optional<std::string> macro(std::string_view name) override {
        std::string symbol(name);
        const char* value = smfi_getsymval(context_, symbol.data());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    }

    bool set_reply(std::string_view code, std::string_view enhanced, std::string_view text) override {
        std::string code_text(code);
        std::string enhanced_text(enhanced);
        std::string message(text);
        return smfi_setreply(context_, code_text.data(), enhanced_text.data(), message.data()) == MI_SUCCESS;
    }

private:
    SMFICTX* context_;
};

sfsistat to_libmilter(MilterStatus status) {
    switch (status) {
    case MilterStatus::reject: return SMFIS_REJECT;
    case MilterStatus::tempfail: return SMFIS_TEMPFAIL;
    case MilterStatus::proceed: break;
    }
    return SMFIS_CONTINUE;
}

// The session of a connection, made at the first callback that needs it:
// an MTA may leave out the connect step it was not asked for.
LimitSession& session_of(SMFICTX* context) {
    auto* session = static_cast<LimitSession*>(smfi_getpriv(context));
    if (session == nullptr) {
        session = new LimitSession(*current_policy, *current_accounting);
        smfi_setpriv(context, session);
    }
    return *session;
}

std::vector<std::string> arguments_of(char** argv) {
    std::vector<std::string> arguments;
    for (char** argument = argv; argument != nullptr && *argument != nullptr; ++argument) {
        arguments.emplace_back(*argument);
    }
    return arguments;
}

// Runs a handler and keeps every exception on the C++ side: one failing
// connection gets a temporary failure and the milter goes on.
template <typename Handler>
sfsistat guarded(const char* stage, Handler handler) {
    try {
        return handler();
    } catch (const std::exception& error) {
        log::error(concat("milter ", stage, " failed: ", error.what()));
    }
    return SMFIS_TEMPFAIL;
}

// Asks for {daemon_port} at MAIL, which is 0 for a local submission in
// Postfix's non_smtpd_milters and the smtpd port for SMTP. Everything else
// keeps libmilter's defaults.
sfsistat on_negotiate(SMFICTX* context, unsigned long, unsigned long, unsigned long, unsigned long, unsigned long*,
                      unsigned long*, unsigned long*, unsigned long*) {
    char mail_macros[] = "{daemon_port} i";
    static std::atomic<bool> warned{false};
    if (smfi_setsymlist(context, SMFIM_ENVFROM, mail_macros) != MI_SUCCESS && !warned.exchange(true)) {
        log::warning("the MTA does not send {daemon_port}; local submissions are treated as SMTP");
    }
    return SMFIS_ALL_OPTS;
}

sfsistat on_connect(SMFICTX* context, char*, _SOCK_ADDR*) {
    return guarded("connect", [&] {
        session_of(context);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_mail(SMFICTX* context, char** argv) {
    return guarded("MAIL", [&] {
        LibmilterContext wrapped(context);
        return to_libmilter(session_of(context).mail(wrapped, arguments_of(argv)));
    });
}

sfsistat on_recipient(SMFICTX* context, char** argv) {
    return guarded("RCPT", [&] {
        LibmilterContext wrapped(context);
        return to_libmilter(session_of(context).recipient(wrapped, arguments_of(argv)));
    });
}

sfsistat on_header(SMFICTX* context, char* name, char* value) {
    return guarded("header", [&] {
        session_of(context).header(name ? name : "", value ? value : "");
        return SMFIS_CONTINUE;
    });
}

sfsistat on_end_of_headers(SMFICTX* context) {
    return guarded("end of headers", [&] {
        session_of(context).end_of_headers();
        return SMFIS_CONTINUE;
    });
}

sfsistat on_body(SMFICTX* context, unsigned char*, size_t length) {
    return guarded("body", [&] {
        session_of(context).body(length);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_end_of_message(SMFICTX* context) {
    return guarded("end of message", [&] {
        LibmilterContext wrapped(context);
        return to_libmilter(session_of(context).end_of_message(wrapped));
    });
}

sfsistat on_abort(SMFICTX* context) {
    return guarded("abort", [&] {
        session_of(context).abort();
        return SMFIS_CONTINUE;
    });
}

sfsistat on_close(SMFICTX* context) {
    delete static_cast<LimitSession*>(smfi_getpriv(context));
    smfi_setpriv(context, nullptr);
    return SMFIS_CONTINUE;
}

sfsistat on_unknown(SMFICTX* context, const char* command) {
    return guarded("unknown command", [&] {
        LibmilterContext wrapped(context);
        return to_libmilter(session_of(context).unknown_command(wrapped, command ? command : ""));
    });
}

char milter_name[] = "odmr-milter";

smfiDesc description() {
    smfiDesc milter{};
    milter.xxfi_name = milter_name;
    milter.xxfi_version = SMFI_VERSION;
    milter.xxfi_flags = SMFIF_SETSYMLIST;
    milter.xxfi_negotiate = on_negotiate;
    milter.xxfi_connect = on_connect;
    milter.xxfi_envfrom = on_mail;
    milter.xxfi_envrcpt = on_recipient;
    milter.xxfi_header = on_header;
    milter.xxfi_eoh = on_end_of_headers;
    milter.xxfi_body = on_body;
    milter.xxfi_eom = on_end_of_message;
    milter.xxfi_abort = on_abort;
    milter.xxfi_close = on_close;
    milter.xxfi_unknown = on_unknown;
    return milter;
}

void restrict_unix_socket(const MilterSettings& settings) {
    const std::string& path = settings.socket.unix_path;
    if (chmod(path.c_str(), 0660) < 0) {
        throw std::runtime_error(concat("cannot set the mode of the milter socket ", path, ": ", std::strerror(errno)));
    }
    if (settings.socket_group.empty()) return;

    // check_system_settings found the group before the socket was opened.
    const auto group = find_group(settings.socket_group);
    if (!group) throw std::runtime_error(concat("socket_group ", settings.socket_group, " does not exist"));
    if (chown(path.c_str(), static_cast<uid_t>(-1), *group) < 0) {
        throw std::runtime_error(concat("cannot give the milter socket ", path, " to group ", settings.socket_group,
                                        ": ", std::strerror(errno)));
    }
}

}  // namespace

void open_milter_socket(const MilterSettings& settings, const LimitPolicy& policy, HeldMailAccounting& accounting) {
    current_policy = &policy;
    current_accounting = &accounting;

    std::string connection = settings.socket.libmilter_form;
    if (smfi_setconn(connection.data()) != MI_SUCCESS) {
        throw std::runtime_error(concat("smfi_setconn failed for the milter socket ", settings.socket.postfix_form));
    }
    if (smfi_register(description()) != MI_SUCCESS) throw std::runtime_error("smfi_register failed");

    // true removes a socket file that a stopped milter left behind.
    if (smfi_opensocket(true) != MI_SUCCESS) {
        throw std::runtime_error(concat("cannot open the milter socket ", settings.socket.postfix_form,
                                        "; is the address in use, or the directory missing?"));
    }
    if (!settings.socket.unix_path.empty()) restrict_unix_socket(settings);
}

bool serve_milter() { return smfi_main() == MI_SUCCESS; }

}  // namespace odmr
