#pragma once
// The commands of the command line (design.md §6), one class each (one .cpp each), and the
// table that finds them by name.

#include "Command.h"

#include <QList>

#include <functional>
#include <memory>

class QCommandLineParser;

namespace outpost::mime {
struct Draft;
} // namespace outpost::mime

namespace outpost::cli {

/// `account add NAME --host H …`: a new account, its password from --password-stdin kept in
/// the system keychain; the first account becomes the default.
class AccountAdd : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `account list [--json]`: the accounts, the default and paused ones marked.
class AccountList : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `account remove NAME [--force]`: refused while its messages wait, unless --force fails them.
class AccountRemove : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `account default NAME`: the account `queue` and `sendmail` use without --account.
class AccountDefault : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `account test NAME`: connect, TLS, EHLO, AUTH, QUIT (ConnectionTest); sends nothing and
/// pauses nothing.
class AccountTest : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `queue …`: a message written from options, or an existing one (--eml); prints its id.
class Queue : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    /// The message the options write (not --eml) for `account`: Ok, or the failure after
    /// saying why.
    Result writeDraft(const QCommandLineParser &p, const Account &account, mime::Draft *draft);
};

/// `sendmail [-t] [-f ADDR] [RCPT …]`: sendmail(8) for other programs, the message on
/// standard input, queued for the default account.
class Sendmail : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `list [--state S] [--json]`: one line (or JSON object) per message, streamed as read.
class List : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `show ID [--json]`: one message with its recipients and history.
class Show : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `retry ID`, `hold ID`, `release ID`, `cancel ID`: what the window's actions of the same
/// names do to one message.
class MessageAction : public Command
{
public:
    /// The four actions.
    enum class Action
    {
        Retry,
        Hold,
        Release,
        Cancel,
    };
    /// The command for `action`.
    MessageAction(Action action, const Context &context, QObject *parent = nullptr);
    void run(const QStringList &args) override;

private:
    Action m_action;
};

/// `config set|get|unset|list [--account NAME] …`: settings, as `git config` does.
class Config : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
};

/// `flush [--timeout SECONDS] [--verbose]`: sends everything due now, QUIT, ends; hands the
/// request to a running Outpost when one holds the outbox.
class Flush : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    /// Asks the Outpost that holds the outbox to flush, and reports its answer.
    void handOver(const QStringList &args);
    /// Prints the pool's state on standard error when it changed (--verbose).
    void printPool();
    /// Shuts the service down (at once when idle, `early` at --timeout or a signal), then
    /// reports and ends.
    void stop(bool early);
    /// What happened to the messages of this flush, and which wait for their account.
    void report(bool early);

    QList<qint64> m_ids;       ///< the messages this flush is about
    bool m_stopping = false;   ///< stop() ran
    int m_handOverRetries = 0; ///< the lock holder went away before it answered
    QString m_lastPool;        ///< the pool line printed last
};

/// The options of every `account` subcommand (one set, as the usage shows them).
QList<QCommandLineOption> accountOptions();

/// One command in the table: its name, the subcommand for a group ("account add"), and how
/// to make it.
struct CommandEntry
{
    QString name; ///< the first word: "queue", "account"
    QString sub;  ///< the second word for a group ("add"), empty otherwise
    std::function<std::unique_ptr<Command>(const Context &)> make;
};

/// Every command, in the order of the usage text.
const QList<CommandEntry> &commands();
/// The words a command line may start with ("account", "queue", …, "help").
QStringList commandNames();
/// True when `name` is a group whose second word picks the command ("account").
bool isGroup(const QString &name);
/// Makes command `name` (`sub` for a group), nullptr when there is none.
std::unique_ptr<Command> makeCommand(const QString &name, const QString &sub,
                                     const Context &context);

} // namespace outpost::cli
