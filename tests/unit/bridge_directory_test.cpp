#include "plugin/odmrd/bridge_directory.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "plugin/host/system_accounts.hpp"
#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

constexpr uid_t nobody = 65534;

BridgeDirectoryOwner nobody_with_group(gid_t group) {
    return BridgeDirectoryOwner{nobody, "nobody", group, "mail"};
}

struct stat directory_status(uid_t owner, gid_t group, mode_t mode) {
    struct stat status{};
    status.st_uid = owner;
    status.st_gid = group;
    status.st_mode = S_IFDIR | mode;
    return status;
}

TEST(BridgeDirectoryProblem, RightDirectoryHasNone) {
    const auto problem = bridge_directory_problem("/run/odmr/bridge", directory_status(nobody, 8, 02750), true, false,
                                                  nobody_with_group(8));
    EXPECT_EQ(problem, std::nullopt) << *problem;
}

TEST(BridgeDirectoryProblem, NotWritableNamesOwnerModeAndFix) {
    const auto problem = bridge_directory_problem("/run/odmr/bridge", directory_status(0, 0, 0750), false, false,
                                                  nobody_with_group(8));
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("the bridge directory /run/odmr/bridge is owned by root:root with mode 0750"),
              std::string::npos)
        << *problem;
    EXPECT_NE(problem->find("nobody, who cannot create sockets"), std::string::npos) << *problem;
    EXPECT_NE(problem->find("as root, run: chown nobody:mail /run/odmr/bridge && chmod 2750 /run/odmr/bridge"),
              std::string::npos)
        << *problem;
}

TEST(BridgeDirectoryProblem, WrongGroupNamed) {
    const auto problem = bridge_directory_problem("/run/odmr/bridge", directory_status(nobody, 9, 02750), true, false,
                                                  nobody_with_group(8));
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("its group is not bridge_socket_group mail"), std::string::npos) << *problem;
}

TEST(BridgeDirectoryProblem, GroupMustEnter) {
    const auto problem = bridge_directory_problem("/run/odmr/bridge", directory_status(nobody, 8, 02700), true, true,
                                                  nobody_with_group(8));
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("its group mail may not enter it"), std::string::npos) << *problem;
}

TEST(BridgeDirectoryProblem, SetGroupIdNeededOutsideGroup) {
    const auto outside = bridge_directory_problem("/run/odmr/bridge", directory_status(nobody, 8, 0750), true, false,
                                                  nobody_with_group(8));
    ASSERT_TRUE(outside.has_value());
    EXPECT_NE(outside->find("lacks the set-group-ID bit"), std::string::npos) << *outside;

    const auto member = bridge_directory_problem("/run/odmr/bridge", directory_status(nobody, 8, 0750), true, true,
                                                 nobody_with_group(8));
    EXPECT_EQ(member, std::nullopt) << *member;
}

TEST(BridgeDirectoryProblem, FileIsNotDirectory) {
    struct stat status = directory_status(nobody, 8, 0640);
    status.st_mode = S_IFREG | 0640;
    const auto problem = bridge_directory_problem("/run/odmr/bridge", status, true, true, nobody_with_group(8));
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("/run/odmr/bridge is not a directory"), std::string::npos) << *problem;
}

class BridgeDirectoryAsRoot : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "changing a directory's owner needs root";
    }

    test::PrivateDirectory directory_;
};

TEST_F(BridgeDirectoryAsRoot, ExistingDirectoryGivenToUserAndGroup) {
    const std::string path = directory_.path() + "/bridge";
    ASSERT_EQ(mkdir(path.c_str(), 0700), 0);

    prepare_bridge_directory(path, nobody_with_group(8));

    struct stat status{};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, nobody);
    EXPECT_EQ(status.st_gid, 8u);
    EXPECT_EQ(status.st_mode & 07777, 02750u);
}

TEST_F(BridgeDirectoryAsRoot, MissingDirectoryAndParentsCreated) {
    const std::string path = directory_.path() + "/run/odmr/bridge";

    prepare_bridge_directory(path, BridgeDirectoryOwner{std::nullopt, "root", std::nullopt, ""});

    struct stat status{};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 0u);
    EXPECT_EQ(status.st_mode & 07777, 0750u);
    ASSERT_EQ(stat((directory_.path() + "/run/odmr").c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 07777, 0755u);
}

TEST_F(BridgeDirectoryAsRoot, SymbolicLinkRejected) {
    const std::string path = directory_.path() + "/bridge";
    ASSERT_EQ(symlink(directory_.path().c_str(), path.c_str()), 0);

    EXPECT_THROW(prepare_bridge_directory(path, nobody_with_group(8)), std::runtime_error);
}

}  // namespace
}  // namespace odmr
