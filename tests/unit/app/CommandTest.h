#pragma once
// Runs one command object of the command line (app/cli/Commands.h) in this process, against a
// temporary data folder, with standard input, output and error in memory: its Result and what
// it wrote, without starting the `outpost` binary. The password store is in memory too.

#include "Commands.h"
#include "Console.h"

#include "accounts/CredentialStore.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QEventLoop>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

namespace outpost::test {

/// What a command did.
struct CommandRun
{
    std::optional<cli::Result> result; ///< nullopt: it did not finish in time
    QByteArray out;                    ///< standard output
    QByteArray err;                    ///< standard error

    /// True when the command ended with `want`.
    bool is(cli::Result want) const { return result == want; }
    /// The result's name and standard error, for a failed check's message.
    QByteArray why() const
    {
        return (result ? cli::resultName(*result).toUtf8() : QByteArray("did not finish")) + ": " +
               err;
    }
};

/// A temporary outbox folder and the means to run commands on it.
class CommandFixture
{
public:
    CommandFixture()
    {
#ifdef Q_OS_UNIX
        ::umask(077); // as main() makes it for the `outpost` process
#endif
    }

    QTemporaryDir dir;
    MemoryCredentialStore credentials;
    /// Where `account add --auto` looks; nullptr = everywhere, the real way.
    const DiscoveryOptions *discovery = nullptr;

    QString dataDir() const
    {
        return dir.path();
    }

    /// Runs command `T` (made with `extra` before its Context, e.g. MessageAction's action)
    /// with `args` and standard input `input`, and waits for it to finish.
    template <typename T, typename... Extra>
    CommandRun run(const QStringList &args, const QByteArray &input = {}, Extra... extra)
    {
        cli::BufferConsole console;
        console.input = input;
        T command(extra..., cli::Context{dataDir(), &console, &credentials, discovery});
        return finish(&command, &console, args);
    }

    /// Runs command `command` (already made on `console`) with `args` and waits for it.
    static CommandRun finish(cli::Command *command, cli::BufferConsole *console,
                             const QStringList &args, int timeoutMs = 60000)
    {
        CommandRun r;
        QEventLoop loop;
        QObject::connect(command, &cli::Command::finished, &loop, [&](cli::Result result) {
            r.result = result;
            loop.quit();
        });
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        command->run(args);
        if (!r.result)
            loop.exec();
        r.out = console->output;
        r.err = console->errors;
        return r;
    }

    /// Adds account `name` on 127.0.0.1:`port` without TLS or login, From alice@example.org.
    CommandRun addAccount(const QString &name, quint16 port = 9, const QStringList &extra = {})
    {
        return run<cli::AccountAdd>(
            QStringList{name, QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                        QStringLiteral("--port"), QString::number(port),
                        QStringLiteral("--security"), QStringLiteral("none"),
                        QStringLiteral("--from"), QStringLiteral("alice@example.org")} +
            extra);
    }

    /// Queues a message to bob@example.net with `subject`; its id (0 when refused).
    qint64 queue(const QString &subject, const QStringList &extra = {})
    {
        const CommandRun r =
            run<cli::Queue>(QStringList{QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                                        QStringLiteral("--subject"), subject,
                                        QStringLiteral("--body"), QStringLiteral("hello")} +
                            extra);
        return r.result == cli::Result::Ok ? r.out.trimmed().toLongLong() : 0;
    }

    /// The outbox opened here, as a short command opens it (no lock, no sending), to prepare
    /// or check what a command should find or leave.
    std::unique_ptr<Service> open()
    {
        ServiceOptions o;
        o.dataDir = dataDir();
        o.credentials = &credentials;
        o.singleInstance = false;
        o.dispatch = false;
        auto service = std::make_unique<Service>(o);
        QString error;
        if (!service->open(&error))
            qWarning("cannot open the outbox: %s", qPrintable(error));
        return service;
    }
};

} // namespace outpost::test
