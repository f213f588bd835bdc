#pragma once
// One command of the command line: a class per command (as KeePassXC's cli has), run with the
// words after its name, ending with a Result. What every command shares is here once: the
// options' conventions, usage errors, opening the outbox and saying why it cannot be, and
// telling a running Outpost that the outbox changed.

#include "Console.h"
#include "Result.h"

#include "accounts/Account.h"
#include "outbox/Service.h"

#include <QCommandLineOption>
#include <QList>
#include <QObject>
#include <QStringList>

#include <memory>
#include <optional>

class QCommandLineParser;

namespace outpost {
class CredentialStore;
struct DiscoveryOptions;
struct ReadFailure;
} // namespace outpost

namespace outpost::cli {

/// What a command runs with.
struct Context
{
    QString dataDir;                        ///< the outbox folder
    Console *console = nullptr;             ///< standard input, output and error; not owned
    CredentialStore *credentials = nullptr; ///< not owned; nullptr = the system keychain
    /// Where `account add --auto` looks (tests point it at servers on loopback); not owned;
    /// nullptr = the real presets, autoconfig, DNS and probe.
    const DiscoveryOptions *discovery = nullptr;
};

/// The base of every command. A command is used once: run(), then finished() once.
class Command : public QObject
{
    Q_OBJECT
public:
    /// A command on `context` (its console must outlive the command).
    explicit Command(const Context &context, QObject *parent = nullptr);
    ~Command() override;

    /// Starts the command with the words after its name ("account add work --host h": from
    /// "work"). It ends at once or later (a connection test, a flush): finished() tells.
    virtual void run(const QStringList &args) = 0;
    /// The Result it ended with; nullopt while it runs.
    std::optional<Result> result() const { return m_result; }

signals:
    /// The command is done (emitted once, from the event loop).
    void finished(outpost::cli::Result result);

protected:
    /// What the command runs with.
    const Context &context() const { return m_context; }
    /// Where the command reads and writes.
    Console &console() const { return *m_context.console; }
    /// Text on standard output.
    void out(const QString &text) const { console().out(text); }
    /// One message on standard error ("outpost: " first).
    void err(const QString &text) const { console().err(text); }

    /// Ends the command with `r` (only the first call counts).
    void finish(Result r);
    /// Says `message` on standard error and ends with `r`.
    void fail(Result r, const QString &message);
    /// Tells a running Outpost that the outbox changed (best effort), then ends with `r`.
    void finishAndNotify(Result r = Result::Ok);

    /// Parses `args` with `options`, the way every command does (help is handled before a
    /// command runs): a value that looks like a negative number stays a value. On a mistake
    /// says the parser's words, ends with Usage and returns false.
    bool parse(QCommandLineParser *parser, const QString &command, const QStringList &args,
               const QList<QCommandLineOption> &options);
    /// A command that takes no positional argument refuses one instead of ignoring it: when
    /// `positional` is not empty, says "`what` takes no argument "…" (`hint`)", ends with Usage
    /// and returns true.
    bool strayArgument(const QString &what, const QStringList &positional, const QString &hint);

    /// The bytes of file `path`, or of standard input for "-"; "" with *error when they
    /// cannot be read.
    QByteArray readInput(const QString &path, QString *error) const;

    /// Opens the outbox for a short command, without the lock and without sending; `readOnly`
    /// (list, show): no integrity check at open, writes refused, damage met while reading is
    /// reported by readFailed(). Returns Ok, or the failure after saying why (the caller ends
    /// with it, or with what it means to that command).
    /// `useReserve` false (queue, sendmail): a full disk is said, not worked around with the
    /// reserve (ServiceOptions::useReserve).
    Result openStore(bool readOnly = false, bool useReserve = true);
    /// Options for a Service on this command's outbox (folder, credentials).
    ServiceOptions serviceOptions() const;
    /// Says why service()->open() failed with `error` and returns the Result: NotPrivate for a
    /// data folder that is not this user's alone, CannotOpen for one that cannot be made,
    /// Damaged (with the advice to move it aside) for a damaged outbox, TryLater while it is
    /// locked, else CannotOpen.
    Result openFailed(const QString &error);
    /// Says which outbox files were made private when it was opened (older installs).
    void noteTightened();
    /// Says why reading the open outbox failed; Damaged (with the advice) or CannotOpen.
    Result readFailed(const ReadFailure &failure);
    /// Says that the disk holding the outbox is full (words::diskFull(), with the free space of
    /// `e`) and returns DiskFull.
    Result diskFull(const StorageError &e);
    /// After open(): when the outbox opened only thanks to the reserve (the disk is full),
    /// says so, so that the user hears of it before a write fails.
    void noteDiskFull();
    /// The account named `name`; when there is none, says so, ends with NoSuchAccount and
    /// returns nullopt. An empty name asks for the default account (there may be none yet).
    std::optional<Account> accountOrFail(const QString &name);
    /// accountOrFail() for a command that needs an OAuth account (login, logout): an account
    /// without OAuth ends with Usage and says so.
    std::optional<Account> oauthAccountOrFail(const QString &name);
    /// The outbox this command opened (openStore(), or a command's own).
    Service *service() const { return m_service.get(); }
    /// The path of the outbox database in the data folder.
    QString databasePath() const;

    std::unique_ptr<Service> m_service; ///< the open outbox, for as long as the command lives

private:
    Context m_context;
    std::optional<Result> m_result;
};

} // namespace outpost::cli
