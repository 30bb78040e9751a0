// Counting what arrived: every held message has its own Message-ID, and
// the customer's virtual(8) adds a Delivered-To header to each copy it
// writes, so a copy is known by the pair.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace odmr::test {

// One recipient of one held message, as "<message-id> for recipient".
std::string copy_key(const std::string& message_id, const std::string& recipient);

// Counts the copies in maildir/new by copy key. A file without both
// headers counts under "unreadable copy: NAME".
std::map<std::string, int> count_copies(const std::string& maildir);

// Moves every file of maildir/new into destination, so the next count
// starts empty and the copies stay for a look afterwards.
void move_copies(const std::string& maildir, const std::string& destination);

struct CopyTally {
    std::vector<std::string> lost;        // expected keys with no copy
    std::vector<std::string> duplicated;  // keys with more than one copy
    std::vector<std::string> unexpected;  // keys of copies that match no held recipient
    int copies = 0;
    int max_copies = 0;  // of any one key
};

CopyTally tally_copies(const std::vector<std::string>& expected_keys, const std::map<std::string, int>& copies);

}  // namespace odmr::test
