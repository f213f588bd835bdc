// Manual-run program for the UI (not installed, not built by default: `ninja outpost-ui-demo`).
#include "DesktopApp.h"
#include "accounts/CredentialStore.h"
#include "outbox/Connectivity.h"
#include "outbox/Service.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QUrl>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Outpost"));
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({QStringLiteral("offline"), QStringLiteral("Work offline from the start")});
    p.addOption({QStringLiteral("minimized"), QStringLiteral("Start in the tray")});
    p.addOption({QStringLiteral("compose"),
                 QStringLiteral("Open a compose window for a mailto: URL"), QStringLiteral("url")});
    p.addPositionalArgument(QStringLiteral("dir"), QStringLiteral("data directory"));
    p.process(app);
    const QString dir =
        p.positionalArguments().value(0, QDir::temp().filePath(QStringLiteral("outpost-ui-demo")));
    outpost::MemoryCredentialStore credentials;
    outpost::ServiceOptions opt;
    opt.dataDir = dir;
    opt.credentials = &credentials;
    outpost::Service service(opt);
    QString error;
    if (!service.open(&error)) {
        qCritical("%s", qPrintable(error));
        return 1;
    }
    if (p.isSet(QStringLiteral("offline")))
        service.connectivity()->setWorkOffline(true);
    outpost::ui::DesktopApp ui(&service);
    QObject::connect(&ui, &outpost::ui::DesktopApp::quitRequested, &app,
                     [&] { service.shutdown(3000); });
    QObject::connect(&service, &outpost::Service::shutdownFinished, &app,
                     [] { QApplication::quit(); });
    ui.start(p.isSet(QStringLiteral("minimized")));
    if (p.isSet(QStringLiteral("compose")))
        ui.openCompose(QUrl(p.value(QStringLiteral("compose"))));
    return app.exec();
}
