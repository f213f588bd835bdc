#include "Result.h"

#include <array>
#include <cstddef>

namespace outpost::cli {

namespace {
/// sysexits.h, the contract scripts rely on (design.md §6).
enum Exit : int
{
    ExOk = 0,
    ExUsage = 64,
    ExDataErr = 65,
    ExUnavailable = 69,
    ExSoftware = 70,
    ExCantCreate = 73,
    /// EX_IOERR: "an error occurred while doing I/O on some file". A full disk is not 73 (the
    /// outbox exists and opens) nor 75 (retrying changes nothing until the user makes room).
    ExIoErr = 74,
    ExTempFail = 75,
    ExNoPerm = 77,
    ExConfig = 78,
};

struct Row
{
    Result result;
    const char *name;
    Exit exit;
};

/// The one table from results to names and exit codes, in the order of the enum.
constexpr std::array kTable{
    Row{Result::Ok, "ok", ExOk},
    Row{Result::Usage, "usage", ExUsage},
    Row{Result::BadInput, "bad-input", ExDataErr},
    Row{Result::NotAMessage, "not-a-message", ExDataErr},
    Row{Result::NoSuchMessage, "no-such-message", ExDataErr},
    Row{Result::Refused, "refused", ExDataErr},
    Row{Result::AccountHasMail, "account-has-mail", ExDataErr},
    Row{Result::TooLarge, "too-large", ExDataErr},
    Row{Result::SomeFailed, "some-failed", ExDataErr},
    Row{Result::SomeRecipientsRefused, "some-recipients-refused", ExDataErr},
    Row{Result::ServerRefused, "server-refused", ExDataErr},
    Row{Result::ServerUnreachable, "server-unreachable", ExUnavailable},
    Row{Result::Internal, "internal", ExSoftware},
    Row{Result::CannotOpen, "cannot-open", ExCantCreate},
    Row{Result::DiskFull, "disk-full", ExIoErr},
    Row{Result::Deferred, "deferred", ExTempFail},
    Row{Result::TryLater, "try-later", ExTempFail},
    Row{Result::AuthRefused, "auth-refused", ExNoPerm},
    Row{Result::NotPrivate, "not-private", ExNoPerm},
    Row{Result::NoSuchAccount, "no-such-account", ExConfig},
    Row{Result::Damaged, "damaged", ExConfig},
    Row{Result::Insecure, "insecure", ExConfig},
    Row{Result::NotStored, "not-stored", ExConfig},
    Row{Result::SignInRefused, "sign-in-refused", ExNoPerm},
    Row{Result::SignInTimedOut, "sign-in-timed-out", ExTempFail},
};

constexpr bool inEnumOrder()
{
    for (std::size_t i = 0; i < kTable.size(); ++i) {
        if (std::size_t(kTable[i].result) != i)
            return false;
    }
    return std::size_t(Result::SignInTimedOut) + 1 == kTable.size();
}
static_assert(inEnumOrder(), "kTable has one row per Result, in the order of the enum");

const Row &row(Result r)
{
    const std::size_t i = std::size_t(r);
    return kTable[i < kTable.size() ? i : std::size_t(Result::Internal)];
}
} // namespace

QString resultName(Result r)
{
    return QString::fromLatin1(row(r).name);
}

int exitCode(Result r)
{
    return row(r).exit;
}

Result resultFor(ErrorClass c)
{
    switch (c) {
    case ErrorClass::None:
        return Result::Ok;
    case ErrorClass::Auth:
    case ErrorClass::SignIn:
        return Result::AuthRefused;
    case ErrorClass::Local:
    case ErrorClass::Permanent:
        return Result::ServerRefused;
    case ErrorClass::Tls:
    case ErrorClass::Certificate:
        return Result::Insecure;
    case ErrorClass::Network:
        return Result::ServerUnreachable;
    case ErrorClass::Transient:
    case ErrorClass::Timeout:
    case ErrorClass::Protocol:
    case ErrorClass::Credentials:
    case ErrorClass::Storage:
        return Result::TryLater;
    }
    return Result::TryLater;
}

} // namespace outpost::cli
