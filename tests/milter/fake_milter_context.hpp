// A MilterContext for unit tests: macros a test sets, and the replies the
// handlers set, recorded in order. It stands in for libmilter, which needs
// a real MTA on the other end; the end-to-end tests run the same handlers
// under a real Postfix.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plugin/milter/milter_context.hpp"

namespace odmr::test {

struct RecordedReply {
    std::string code;
    std::string enhanced;
    std::string text;
};

class FakeMilterContext : public MilterContext {
public:
    std::optional<std::string> macro(std::string_view name) override {
        const auto found = macros.find(std::string(name));
        if (found == macros.end()) return std::nullopt;
        return found->second;
    }

    bool set_reply(std::string_view code, std::string_view enhanced, std::string_view text) override {
        replies.push_back({std::string(code), std::string(enhanced), std::string(text)});
        return code.front() == '4' || code.front() == '5';
    }

    // The last reply set, or an empty one.
    RecordedReply last_reply() const { return replies.empty() ? RecordedReply{} : replies.back(); }

    std::map<std::string, std::string> macros;
    std::vector<RecordedReply> replies;
};

}  // namespace odmr::test
