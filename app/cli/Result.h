#pragma once
// How a command ended, as a value. Every command finishes with one Result; the exit code that
// scripts rely on (sysexits, design.md §6) comes from one table (Result.cpp), never from the
// words of an error.

#include "smtp/SmtpResult.h"

#include <QMetaType>
#include <QString>

namespace outpost::cli {

/// The outcomes of a command. resultName() gives each a stable name; exitCode() its sysexits
/// code (in parentheses here).
enum class Result
{
    Ok,             ///< done (0)
    Usage,          ///< the command line is wrong: an option, a value, a missing word (64)
    BadInput,       ///< an input is refused: a file, an address, a message it makes (65)
    NotAMessage,    ///< the input is not an RFC 5322 message at all (65)
    NoSuchMessage,  ///< no message has that id (65)
    Refused,        ///< the outbox refused the action: no such message, or not in its state (65)
    AccountHasMail, ///< an account with messages still waiting is not removed (65)
    TooLarge,   ///< queue --strict: larger than the SIZE the server last announced; not queued (65)
    SomeFailed, ///< flush: messages failed for good (65)
    SomeRecipientsRefused, ///< flush: all sent, but some recipients were refused for good (65)
    ServerRefused, ///< the server refused the connection test, or the account cannot run it (65)
    ServerUnreachable, ///< the server could not be reached (69)
    Internal,          ///< a fault of Outpost itself (70)
    CannotOpen,        ///< the data folder or the outbox cannot be made, read or written (73)
    DiskFull,       ///< the disk holding the outbox is full: nothing was written, nothing lost (74)
    Deferred,       ///< messages wait for a later try or for their account (75)
    TryLater,       ///< busy or failed for now: a lock, a write, an answer that did not come (75)
    AuthRefused,    ///< the server refused the login, or there is no password (77)
    NotPrivate,     ///< the data folder is not this user's alone (77)
    NoSuchAccount,  ///< no account has that name, or there is none at all (78)
    Damaged,        ///< the outbox database is damaged; nothing was changed (78)
    Insecure,       ///< no secure connection: TLS failed or the certificate is not trusted (78)
    NotStored,      ///< an account, a setting or a password could not be stored (78)
    SignInRefused,  ///< account login: the provider or the user refused, or `state` was wrong (77)
    SignInTimedOut, ///< account login: the browser (or the device code) never came back (75)
};

/// The stable lower-case name of a result ("no-such-account"), for tests and logs.
QString resultName(Result r);
/// The process exit code for a result (sysexits.h values, design.md §6).
int exitCode(Result r);
/// The result of a connection test that ended with class `c` (ErrorClass::None: Ok).
Result resultFor(ErrorClass c);

} // namespace outpost::cli

Q_DECLARE_METATYPE(outpost::cli::Result)
