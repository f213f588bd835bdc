// outpost: the desktop app, and the command line when a command is given (design.md §6).

#include "cli/Cli.h"

#include <QCoreApplication>
#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

#ifdef OUTPOST_WITH_UI
int runDesktop(int argc, char **argv);
#endif

int main(int argc, char **argv)
{
#ifdef Q_OS_UNIX
    // Everything Outpost writes (the outbox and SQLite's journal files, the lock, exports) is
    // the user's alone: messages, Bcc recipients and the password command are in there.
    ::umask(077);
#endif
    QStringList args;
    for (int i = 1; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    // --data-dir needs its folder, whatever else is asked (else it would read as the desktop
    // app without a display, or a command on the default folder).
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--"))
            break;
        if ((args.at(i) == QLatin1String("--data-dir") &&
             (i + 1 >= args.size() || args.at(i + 1).isEmpty())) ||
            args.at(i) == QLatin1String("--data-dir=")) {
            std::fprintf(stderr, "outpost: --data-dir needs a folder (outpost help)\n");
            return 64;
        }
        if (args.at(i) == QLatin1String("--data-dir"))
            ++i; // its value
    }
    // -V after a command is that command's own flag (sendmail -V ENVID), not --version.
    if ((args.contains(QLatin1String("--version")) || args.contains(QLatin1String("-V"))) &&
        !outpost::isCliCommand(args)) {
        std::printf("outpost %s\n", OUTPOST_VERSION);
        return 0;
    }
    if (outpost::isCliCommand(args) || args.contains(QLatin1String("--help")) ||
        args.contains(QLatin1String("-h"))) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setOrganizationName(QStringLiteral("Outpost"));
        QCoreApplication::setApplicationName(QStringLiteral("Outpost"));
        QCoreApplication::setApplicationVersion(QStringLiteral(OUTPOST_VERSION));
        outpost::Cli cli;
        QObject::connect(&cli, &outpost::Cli::finished, &app,
                         [](int code) { QCoreApplication::exit(code); });
        cli.run(QCoreApplication::arguments());
        return app.exec();
    }
    // Anything that is neither an option, a command nor a mailto: URL is a mistyped command:
    // say so instead of starting the desktop app.
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--data-dir")) {
            ++i;
            continue;
        }
        if (!a.startsWith(QLatin1Char('-')) &&
            !a.startsWith(QLatin1String("mailto:"), Qt::CaseInsensitive)) {
            std::fprintf(stderr, "outpost: unknown command \"%s\" (outpost help lists them)\n",
                         qPrintable(a));
            return 64;
        }
    }
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        std::fprintf(stderr,
                     "outpost: no display to show the desktop app on; the command line works "
                     "without one (outpost help)\n");
        return 69;
    }
#endif
#ifdef OUTPOST_WITH_UI
    return runDesktop(argc, argv);
#else
    std::fprintf(stderr,
                 "outpost: this build has no desktop app (built with OUTPOST_BUILD_UI=OFF); "
                 "see `outpost help` for the command line\n");
    return 64;
#endif
}
