#pragma once
// The commands of the command line (design.md §6), one class each (one .cpp each), and the
// table that finds them by name.

#include "Command.h"

#include "oauth/OAuthError.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QLockFile>

#include <functional>
#include <memory>

class QCommandLineParser;
class QTimer;

namespace outpost {
struct Account;
} // namespace outpost

namespace outpost::mime {
struct Draft;
} // namespace outpost::mime

namespace outpost::cli {

class FlushProgress;

/// `account add NAME --host H …`: a new account, its password from --password-stdin kept in
/// the system keychain; the first account becomes the default.
class AccountAdd : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    /// Stores `a` (the password from standard input with `fromStdin`) and ends.
    void save(const Account &a, bool fromStdin, bool makeDefault);
    /// --auto: finds the settings for `address` (AccountDiscovery), says what it found and
    /// from where, and saves them into `a` only with `yes`; nothing is sent to any server but
    /// EHLO and QUIT of the probe. The IMAP server found fills the --imap-* fields unless
    /// `given` (the account options the user gave) holds imap-host; any other --imap-* option
    /// given wins over what was found.
    void discover(const Account &a, const QStringList &given, const QStringList &args,
                  const QString &address, bool yes, bool fromStdin, bool makeDefault);
};

/// `account edit NAME --host H | --port P | …`: changes an account in place (the options of
/// `account add`, AccountFields.h), says what changed, keeps its messages, and releases those
/// held while the account was paused when the change touches what paused it.
class AccountEdit : public Command
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

/// `account login NAME [--device] [--no-browser] [--token-file] [--timeout S]`: OAuth 2.0
/// sign-in (AuthorizationCodeFlow in the browser with a loopback redirect, or DeviceCodeFlow);
/// the refresh token goes to the keychain (or, with --token-file, to a file only the user can
/// read), and the account's messages held for "sign in again" are released.
class AccountLogin : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    /// The flow ended with `result`: keep the token, release the account, or say why not.
    void onSignedIn(const Account &account, const OAuthResult &result, bool tokenFile);
};

/// `account logout NAME`: signs an OAuth account out (OAuthSignOut): the refresh token revoked
/// where the provider can (RFC 7009) and removed; exit 0 done (or nothing to do), 69 removed
/// but the provider unreachable, 65 removed but the provider refused, 78 not removed.
class AccountLogout : public Command
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

/// `flush [--timeout SECONDS] [--verbose] [--json]`: sends everything due now, QUIT, ends;
/// hands the request to a running Outpost when one holds the outbox. On a terminal a live
/// progress line on standard error; --json: one summary object on standard output.
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
    /// Starts the progress line when someone watches standard error (and --verbose does not
    /// write there).
    void startProgress();
    /// Redraws the progress line when what it says changed (or other output erased it).
    void drawProgress();
    /// True when a status line may be shown: standard error is a terminal, no --verbose.
    bool showsStatus() const;
    /// Shuts the service down (at once when idle, `early` at --timeout or a signal), then
    /// reports and ends.
    void stop(bool early);
    /// What happened to the messages of this flush, and which wait for their account.
    void report(bool early);
    /// Ends with `r` after writing the --json summary `summary` with the fields every summary
    /// has (seconds, result, exit_code) added.
    void finishJson(QJsonObject summary, Result r);

    QList<qint64> m_ids;                 ///< the messages this flush is about
    bool m_stopping = false;             ///< stop() ran
    int m_handOverRetries = 0;           ///< the lock holder went away before it answered
    QString m_lastPool;                  ///< the pool line printed last
    bool m_json = false;                 ///< --json
    bool m_verbose = false;              ///< --verbose
    bool m_diskFull = false;             ///< a write failed for want of room (Notice::DiskFull)
    QElapsedTimer m_clock;               ///< since the command started (seconds in --json)
    FlushProgress *m_progress = nullptr; ///< the progress line's counts; null without it
    QTimer *m_progressTimer = nullptr;   ///< redraws the progress line
    QString m_lastStatus;                ///< the progress line drawn last
};

/// `daemon`: the background sender without a window or display: the dispatcher, the pool and
/// the connectivity watch of the desktop app, for a user session (the systemd user unit) or a
/// server. It sends what is due as soon as the server is reachable, retries on the backoff,
/// sends scheduled messages at their time, hears `queue`, `sendmail` and `retry` of other
/// processes at once, and ends on SIGTERM, SIGINT or SIGHUP after QUIT to every pooled server.
///
/// One sender per outbox: while another process holds the outbox (the desktop app, `flush`),
/// the daemon stands by and takes over when it ends; the desktop app started while the daemon
/// sends asks it to yield ("yield" request), and the daemon stands by until the app quits. A
/// second daemon on the same outbox says so and ends (0). Readiness and status go to systemd
/// through $NOTIFY_SOCKET (Type=notify) when it is set.
class Daemon : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    /// Opens the outbox and starts sending; stands by when another process holds it.
    void takeOver();
    /// Waits for the holder of the outbox to end (tries again every 2 s).
    void standBy();
    /// The desktop app asks for the outbox: answer, QUIT to every server, release it, stand by.
    void yieldOutbox(const RemoteReply &reply);
    /// A termination signal: graceful shutdown of the pool (bounded by shutdown.deadline_ms),
    /// then end.
    void stop();
    /// Ends the command with `r`.
    void stopWith(Result r);

    QTimer *m_retry = nullptr; ///< the next takeOver() while standing by
    bool m_stopping = false;
    bool m_yielding = false;   ///< shutting the pool down to hand the outbox over
    bool m_standingBy = false; ///< another process sends; said once
};

/// `status [--json]`: whether a sender runs (the desktop app, the daemon or a flush) and its
/// pid, per account the pooled sessions and the last error, the messages per state and when the
/// next one is due.
class Status : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    /// Prints what the outbox says together with the sender's answer (nullopt: none runs).
    void report(bool json, const std::optional<SenderStatus> &sender);
};

/// `salvage [--force]`: copies what can still be read of a damaged outbox (accounts,
/// settings, messages) into a new one (OutboxSalvage), keeps the damaged file beside it, and
/// says how many messages were recovered and how many were lost. Refused while another Outpost
/// holds the outbox; an outbox that opens fine is left alone unless --force.
class Salvage : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;

private:
    std::unique_ptr<QLockFile> m_lock; ///< nobody writes while the salvage runs
};

/// `outpost purge [--before DATE] [--state sent|failed] [--dry-run] [--json]`: deletes whole
/// finished messages (sent and failed; never queued, held, being sent or drafts) that reached
/// their state before DATE (default: `retention.sent_days` days ago; refused when that is 0),
/// in batches, then returns the free pages to the disk (cleanup::purgeNow()). Says what it
/// removed and how the file's size changed; Ok (also when nothing matched), Usage for a bad
/// option, TryLater when the outbox could not be written.
class Purge : public Command
{
public:
    using Command::Command;
    void run(const QStringList &args) override;
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
