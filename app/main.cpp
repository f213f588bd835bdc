// outpost: the desktop app, and the command line when a command is given (design.md §6).

#include "cli/Cli.h"

#include <QCoreApplication>
#include <cstdio>

#ifdef OUTPOST_WITH_UI
int runDesktop(int argc, char **argv);
#endif

int main(int argc, char **argv)
{
    QStringList args;
    for (int i = 1; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    if (args.contains(QLatin1String("--version")) || args.contains(QLatin1String("-V"))) {
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
#ifdef OUTPOST_WITH_UI
    return runDesktop(argc, argv);
#else
    std::fprintf(stderr,
                 "outpost: this build has no desktop app (built with OUTPOST_BUILD_UI=OFF); "
                 "see `outpost help` for the command line\n");
    return 64;
#endif
}
