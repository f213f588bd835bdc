#include "Cli.h"

#include "Command.h"
#include "Commands.h"
#include "Console.h"
#include "Usage.h"

#include <QStandardPaths>
#include <QTimer>

namespace outpost {

using cli::Result;

namespace {
/// Takes --data-dir DIR (or --data-dir=DIR) out of `args`; the folder it names, else
/// $OUTPOST_DATA_DIR, else the platform's application-data folder.
QString dataDirFrom(QStringList *args)
{
    QString dir;
    for (qsizetype i = 1; i < args->size(); ++i) {
        const QString a = args->at(i);
        if (a == QLatin1String("--data-dir") && i + 1 < args->size()) {
            dir = args->at(i + 1);
            args->remove(i, 2);
            break;
        }
        if (a.startsWith(QLatin1String("--data-dir="))) {
            dir = a.mid(11);
            args->remove(i);
            break;
        }
    }
    if (dir.isEmpty())
        dir = qEnvironmentVariable("OUTPOST_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return dir;
}

bool isHelp(const QString &a)
{
    return a == QLatin1String("--help") || a == QLatin1String("-h");
}
} // namespace

bool isCliCommand(const QStringList &args)
{
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--data-dir")) {
            ++i; // its value
            continue;
        }
        if (a.startsWith(QLatin1Char('-')))
            continue;
        return cli::commandNames().contains(a);
    }
    return false;
}

Cli::Cli(QObject *parent)
    : Cli(nullptr, nullptr, parent)
{}

Cli::Cli(cli::Console *console, CredentialStore *credentials, QObject *parent)
    : QObject(parent)
    , m_console(console)
    , m_credentials(credentials)
{
    if (!m_console) {
        m_ownConsole = std::make_unique<cli::StdConsole>();
        m_console = m_ownConsole.get();
    }
}

Cli::~Cli() = default;

void Cli::done(Result result)
{
    if (m_done)
        return;
    m_done = true;
    QTimer::singleShot(0, this, [this, result] {
        emit finishedWith(result);
        emit finished(cli::exitCode(result));
    });
}

void Cli::run(const QStringList &all)
{
    QStringList args = all;
    const QString dataDir = dataDirFrom(&args);
    args.removeFirst(); // program name
    // Before the command only --data-dir (taken above) and --help belong to the command line;
    // the desktop app's options do nothing here, and a mistyped option must not be dropped.
    if (!args.isEmpty() && args.first().startsWith(QLatin1Char('-')) && !isHelp(args.first())) {
        const QString option = args.first();
        if (option == QLatin1String("--offline") || option == QLatin1String("--minimized"))
            m_console->err(QStringLiteral("%1 is an option of the desktop app, not of the command "
                                          "line (outpost help)")
                               .arg(option));
        else
            m_console->err(
                QStringLiteral("unknown option %1 (outpost help lists the options)").arg(option));
        return done(Result::Usage);
    }
    if (args.isEmpty() || args.first() == QLatin1String("help") || isHelp(args.first())) {
        m_console->out(cli::usageText());
        return done(args.isEmpty() ? Result::Usage : Result::Ok);
    }
    const QString name = args.takeFirst();
    if (!cli::commandNames().contains(name)) {
        m_console->err(
            QStringLiteral("unknown command \"%1\" (outpost help lists them)").arg(name));
        return done(Result::Usage);
    }
    // `outpost COMMAND … --help` (or -h) shows that command's usage and does nothing else,
    // wherever it stands before a "--".
    for (const QString &a : std::as_const(args)) {
        if (a == QLatin1String("--"))
            break;
        if (isHelp(a)) {
            m_console->out(cli::commandUsage(name));
            return done(Result::Ok);
        }
    }
    QString sub;
    if (cli::isGroup(name))
        sub = args.isEmpty() ? QString() : args.takeFirst();
    m_command = cli::makeCommand(name, sub, {dataDir, m_console, m_credentials});
    if (!m_command) {
        QStringList subs;
        for (const cli::CommandEntry &e : cli::commands()) {
            if (e.name == name)
                subs << e.sub;
        }
        m_console->err(
            QStringLiteral("usage: outpost %1 %2 ...").arg(name, subs.join(QLatin1Char('|'))));
        return done(Result::Usage);
    }
    connect(m_command.get(), &cli::Command::finished, this, &Cli::done);
    m_command->run(args);
}

} // namespace outpost
