#pragma once
// The options that set a field of an account, in one table shared by `account add` and
// `account edit`: each row parses its option's value into the Account, says how the field is
// shown in "what changed", and which pause classes a change of it can fix. A new account
// option (IMAP, OAuth) is one row here.

#include "Result.h"

#include "accounts/Account.h"
#include "smtp/SmtpResult.h"

#include <QCommandLineOption>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

class QCommandLineParser;

namespace outpost::cli {

/// Why an option's value was refused: the Result to end with and the words to say.
struct FieldProblem
{
    Result result = Result::Usage;
    QString message;
};

/// One option that sets a field of an account.
struct AccountField
{
    QString option;      ///< the option's name without dashes ("host")
    QString valueName;   ///< its value in the usage ("H"); empty for a flag
    QString description; ///< for the option parser
    /// Sets the field from `value` (a flag gets ""); nullopt when fine.
    std::function<std::optional<FieldProblem>(const QString &value, Account *a)> set;
    /// The field as "what changed" shows it ("smtp.example.org", "(none)").
    std::function<QString(const Account &a)> show;
    /// The pause classes (AccountStore::pauseClass) a change of this field can fix.
    QList<ErrorClass> fixes;
};

/// Every account field option, in the order they are applied (security before port).
const QList<AccountField> &accountFields();
/// The options of accountFields(), for a QCommandLineParser.
QList<QCommandLineOption> accountFieldOptions();

/// Sets every field whose option `p` holds on `*a`, in table order; the first problem, or
/// nullopt. `changed` (optional) receives the options that were given.
std::optional<FieldProblem> applyAccountFields(const QCommandLineParser &p, Account *a,
                                               QStringList *given = nullptr);

/// The OAuth options among `given` (applyAccountFields()) set on an account that does not sign
/// in with OAuth, or a preset provider given a custom provider's endpoints or scope: the
/// problem (a usage error), or nullopt.
std::optional<FieldProblem> oauthFieldsProblem(const Account &a, const QStringList &given);

/// What differs between `before` and `after`, one line per field in plain words
/// ("port: 587 -> 465"), in table order.
QStringList describeAccountChanges(const Account &before, const Account &after);

/// The password given on standard input (--password-stdin): the first line of `input`,
/// without its line end (LF or CRLF), as UTF-8.
QString passwordLine(QByteArray input);

/// True when a change from `before` to `after` touches a field that can fix a pause of
/// class `pauseClass` (its stored name: "auth", "certificate", "tls"); a change of the host
/// fixes any.
bool changeCanFix(const Account &before, const Account &after, const QString &pauseClass);

} // namespace outpost::cli
