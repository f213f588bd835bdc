#pragma once

#include "Result.h"

#include <QObject>
#include <QStringList>

#include <memory>

namespace outpost {
class CredentialStore;
}

namespace outpost::cli {
class Command;
class Console;
} // namespace outpost::cli

namespace outpost {

/// True when `args` (without the program name) name a command-line command rather than
/// the desktop app.
bool isCliCommand(const QStringList &args);

/// The `outpost` command line (design.md §6): reads what comes before the command (--data-dir,
/// --help), finds the command (app/cli/Commands.h), runs it and gives its exit code. Works
/// without any display. Output: results on stdout, messages on stderr.
class Cli : public QObject
{
    Q_OBJECT
public:
    /// A command line on the process's standard streams and the system keychain.
    explicit Cli(QObject *parent = nullptr);
    /// A command line on `console` and `credentials` (tests; neither owned, nullptr =
    /// the process's standard streams, the system keychain).
    Cli(cli::Console *console, CredentialStore *credentials, QObject *parent = nullptr);
    ~Cli() override;
    /// `args` is the whole argument list, program name first.
    void run(const QStringList &args);

signals:
    /// The command is done: its result and the exit code that goes with it.
    void finished(int exitCode);
    /// The command is done, as a Result (the same moment as finished()).
    void finishedWith(outpost::cli::Result result);

private:
    void done(cli::Result result);
    std::unique_ptr<cli::Console> m_ownConsole;
    cli::Console *m_console = nullptr;
    CredentialStore *m_credentials = nullptr;
    std::unique_ptr<cli::Command> m_command;
    bool m_done = false;
};

} // namespace outpost
