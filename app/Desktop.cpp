// The desktop app: Service + DesktopApp (ui/), single instance, and every way of ending
// (window or tray Quit, SIGTERM/SIGINT/SIGHUP, session logout) runs the pool's graceful
// shutdown: QUIT to every server, then exit (design.md §3, §5).

#include "DesktopApp.h"
#include "MainWindow.h"
#include "OutboxModel.h"
#include "SharedWords.h"
#include "SignalWatcher.h"
#include "Translations.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "outbox/Connectivity.h"
#include "outbox/Service.h"
#include "storage/Database.h"
#include "storage/Salvage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLockFile>
#include <QMessageBox>
#include <QPushButton>
#include <QSessionManager>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>

#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

using namespace outpost;

namespace {

/// How long the app waits for `outpost daemon` to let go of the outbox (milliseconds): its
/// graceful shutdown deadline (10 s by default) and some.
constexpr qint64 kYieldWaitMs = 15000;

/// Ends the app once: graceful shutdown bounded by shutdown.deadline_ms, then quit.
class Lifecycle : public QObject
{
public:
    explicit Lifecycle(Service *service)
        : m_service(service)
    {}

    void quit()
    {
        if (m_quitting)
            return;
        m_quitting = true;
        const int deadline =
            int(m_service->settings()->intValue(QString(), settingKey("shutdown.deadline_ms")));
        connect(m_service, &Service::shutdownFinished, this,
                [](int, int) { QCoreApplication::quit(); });
        // A safety net: never hang past the deadline, whatever a server does.
        QTimer::singleShot(deadline + 1000, this, [] { QCoreApplication::quit(); });
        m_service->shutdown(deadline);
    }
    bool quitting() const { return m_quitting; }

private:
    Service *m_service;
    bool m_quitting = false;
};

/// Milliseconds since this process was started by the kernel (/proc/self/stat field 22,
/// clock ticks since boot, against CLOCK_BOOTTIME): the start-up time as a user sees it,
/// dynamic loading included. -1 where /proc is not there.
qint64 msSinceProcessStart()
{
#ifdef Q_OS_LINUX
    QFile f(QStringLiteral("/proc/self/stat"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // Fields after the command name, which is in parentheses and may contain spaces.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 20)
        return -1;
    const qint64 startTicks = fields.at(19).toLongLong(); // field 22 overall
    timespec now{};
    clock_gettime(CLOCK_BOOTTIME, &now);
    const qint64 nowMs = qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
    return nowMs - startTicks * 1000 / sysconf(_SC_CLK_TCK);
#else
    return -1;
#endif
}

/// Resident set size in KiB (VmRSS in /proc/self/status); -1 where unknown.
qint64 residentKb()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

/// OUTPOST_STARTUP_PROBE=1 (benchmarks): after the main window's first paint, prints
/// `startup_ms=`, `rss_kb=` and `rows=` (rows the outbox table has loaded) and quits.
class StartupProbe : public QObject
{
public:
    StartupProbe(QWidget *window, std::function<int()> rows, std::function<void()> quit)
        : m_rows(std::move(rows))
        , m_quit(std::move(quit))
    {
        window->installEventFilter(this);
    }
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && !m_done) {
            m_done = true;
            watched->removeEventFilter(this);
            // Report once the paint has been handled.
            QTimer::singleShot(0, this, [this] {
                std::printf("startup_ms=%lld\nrss_kb=%lld\nrows=%d\n",
                            static_cast<long long>(msSinceProcessStart()),
                            static_cast<long long>(residentKb()), m_rows());
                std::fflush(stdout);
                m_quit();
            });
        }
        return false;
    }

private:
    std::function<int()> m_rows;
    std::function<void()> m_quit;
    bool m_done = false;
};

/// The outbox is held by another process: when it is `outpost daemon`, asks it to yield (it
/// says QUIT to its servers, releases the outbox and stands by until this app quits) and waits
/// until the outbox is free. True when this app may open it now; false when the holder is no
/// daemon (another desktop app, a flush) or the outbox did not come free in time.
bool askDaemonToYield(const QString &dataDir)
{
    bool yielded = false;
    {
        QEventLoop loop;
        Service::sendToRunningInstance(dataDir, InstanceRequest{InstanceVerb::Yield, {}}, &loop,
                                       [&](bool ok, const InstanceReply &reply) {
                                           yielded = ok && reply.ok;
                                           loop.quit();
                                       });
        loop.exec();
    }
    if (!yielded)
        return false;
    // The daemon closes its connections (at most its shutdown deadline, 10 s by default) and
    // then releases the lock; a bounded wait for that, without a busy loop.
    QEventLoop loop;
    QTimer poll;
    QElapsedTimer since;
    since.start();
    bool free = false;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        free = Service::isOutboxFree(dataDir);
        if (free || since.elapsed() > kYieldWaitMs)
            loop.quit();
    });
    poll.start(50);
    loop.exec();
    return free;
}

QString resolveDataDir(const QString &given)
{
    if (!given.isEmpty())
        return given;
    const QString env = qEnvironmentVariable("OUTPOST_DATA_DIR");
    if (!env.isEmpty())
        return env;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

} // namespace

int runDesktop(int argc, char **argv)
{
    QApplication app(argc, argv);
    const qint64 appMs = msSinceProcessStart(); // for OUTPOST_STARTUP_PROBE
    ui::installTranslations(&app); // the system's language, where Outpost and Qt have it
    QApplication::setOrganizationName(QStringLiteral("Outpost"));
    QApplication::setApplicationName(QStringLiteral("Outpost"));
    QApplication::setApplicationVersion(QStringLiteral(OUTPOST_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.outpost.Outpost"));
    QApplication::setQuitOnLastWindowClosed(false);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Outpost, a desktop outbox for e-mail"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dataDirOpt(
        QStringLiteral("data-dir"), QStringLiteral("The outbox folder."), QStringLiteral("DIR"));
    const QCommandLineOption offlineOpt(QStringLiteral("offline"),
                                        QStringLiteral("Start working offline."));
    const QCommandLineOption minimizedOpt(QStringLiteral("minimized"),
                                          QStringLiteral("Start in the tray."));
    parser.addOptions({dataDirOpt, offlineOpt, minimizedOpt});
    parser.addPositionalArgument(QStringLiteral("mailto"),
                                 QStringLiteral("A mailto: URL to compose."),
                                 QStringLiteral("[mailto:...]"));
    parser.process(app);
    const QString dataDir = resolveDataDir(parser.value(dataDirOpt));
    QUrl mailto;
    for (const QString &a : parser.positionalArguments()) {
        if (a.startsWith(QLatin1String("mailto:"), Qt::CaseInsensitive))
            mailto = QUrl(a);
    }

    ServiceOptions options;
    options.dataDir = dataDir;
    options.systemNetworkInfo = true;
    Service service(options);
    QString error;
    bool opened = service.open(&error);
    const qint64 openedMs = msSinceProcessStart();
    if (!opened && service.lockedByOther() && askDaemonToYield(dataDir)) {
        // `outpost daemon` sent from this outbox and has let go of it: take over.
        opened = service.open(&error);
    }
    if (!opened && service.lockedByOther()) {
        // Single instance: hand the arguments to the running Outpost and leave.
        InstanceRequest request;
        request.verb = InstanceVerb::Activate;
        if (mailto.isValid())
            request.mailto = mailto.toString();
        int code = 0;
        QEventLoop loop;
        Service::sendToRunningInstance(
            dataDir, request, &loop, [&](bool ok, const InstanceReply &) {
                if (!ok)
                    std::fprintf(stderr, "outpost: another Outpost holds %s but does not answer\n",
                                 qPrintable(dataDir));
                code = ok ? 0 : 75;
                loop.quit();
            });
        loop.exec();
        return code;
    }
    if (!opened) {
        const QString db = QDir(dataDir).filePath(QStringLiteral("outbox.sqlite"));
        const bool corrupt = service.databaseErrorKind() == int(Database::OpenError::Corrupt);
        if (corrupt) {
            QMessageBox box(QMessageBox::Critical, QObject::tr("Outpost"),
                            words::damagedOutboxQuestion(error));
            QPushButton *salvage = box.addButton(QObject::tr("Salvage"), QMessageBox::AcceptRole);
            QPushButton *aside = box.addButton(QObject::tr("Move aside"), QMessageBox::ActionRole);
            box.addButton(QMessageBox::Cancel);
            box.setDefaultButton(salvage);
            box.exec();
            if (box.clickedButton() == salvage) {
                // Row by row through the whole file: on a thread, the window stays responsive.
                bool heldByOther = false;
                auto lock = Service::lockOutbox(dataDir, &heldByOther);
                SalvageReport report;
                if (!lock) {
                    report.failure = SalvageReport::Failure::CannotSwap;
                    report.detail = QObject::tr("another Outpost process holds the outbox");
                } else {
                    QEventLoop wait;
                    QThread *worker =
                        QThread::create([&report, db] { report = salvageOutbox(db); });
                    QObject::connect(worker, &QThread::finished, &wait, &QEventLoop::quit);
                    worker->start();
                    wait.exec();
                    delete worker;
                    lock.reset();
                }
                QMessageBox::information(nullptr, QObject::tr("Outpost"),
                                         words::salvageReport(report, db));
                if (!report.ok())
                    return 78;
            } else if (box.clickedButton() == aside) {
                const QString moved =
                    db + QStringLiteral(".damaged-") +
                    QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
                for (const QString &suffix :
                     {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
                    QFile::rename(db + suffix, moved + suffix);
            } else {
                return 78;
            }
            opened = service.open(&error);
        }
        if (!opened && !service.dataDirCheck().ok()) {
            QMessageBox::critical(nullptr, QObject::tr("Outpost"),
                                  QObject::tr("Outpost cannot start:\n%1")
                                      .arg(words::dataDirProblem(service.dataDirCheck())));
            return 77;
        }
        if (!opened && service.storageProblem().isDiskFull()) {
            // Even the reserve did not make room: the sentence, not SQLite's or QLockFile's.
            QMessageBox::critical(nullptr, QObject::tr("Outpost"),
                                  QObject::tr("Outpost cannot start:\n%1")
                                      .arg(words::diskFull(service.storageProblem().freeBytes,
                                                           words::Front::Window)));
            return 74;
        }
        if (!opened) {
            QMessageBox::critical(nullptr, QObject::tr("Outpost"),
                                  QObject::tr("Outpost cannot start:\n%1").arg(error));
            return 73;
        }
    }
    if (parser.isSet(offlineOpt))
        service.connectivity()->setWorkOffline(true);

    Lifecycle lifecycle(&service);
    ui::DesktopApp desktop(&service);
    const qint64 builtMs = msSinceProcessStart();
    QObject::connect(&desktop, &ui::DesktopApp::quitRequested, &lifecycle, &Lifecycle::quit);
    QObject::connect(&service, &Service::remoteRequest, &desktop,
                     [&desktop](const InstanceRequest &request, const RemoteReply &reply) {
                         switch (request.verb) {
                         case InstanceVerb::Activate:
                             if (!request.mailto.isEmpty())
                                 desktop.openCompose(QUrl(request.mailto));
                             else
                                 desktop.activate();
                             reply(InstanceReply::success());
                             return;
                         case InstanceVerb::Changed:
                         case InstanceVerb::Flush:
                         case InstanceVerb::Status:
                             break; // Service answers those itself
                         case InstanceVerb::Yield:
                             break; // only `outpost daemon` lets go of the outbox
                         }
                         reply(InstanceReply::refusal(QStringLiteral("unknown request")));
                     });
    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &lifecycle,
                     &Lifecycle::quit);
    // Session logout: start the graceful shutdown; the session manager waits for us to exit.
    QObject::connect(&app, &QGuiApplication::commitDataRequest, &lifecycle,
                     [&lifecycle](QSessionManager &) { lifecycle.quit(); });
    // Anything else that ends the event loop (QCoreApplication::quit from elsewhere) still
    // gets the shutdown, run to completion here before the process exits.
    QObject::connect(&app, &QCoreApplication::aboutToQuit, &service, [&service, &lifecycle] {
        if (lifecycle.quitting())
            return;
        QEventLoop loop;
        QObject::connect(&service, &Service::shutdownFinished, &loop,
                         [&loop](int, int) { loop.quit(); });
        const int deadline =
            int(service.settings()->intValue(QString(), settingKey("shutdown.deadline_ms")));
        QTimer::singleShot(deadline + 1000, &loop, &QEventLoop::quit);
        service.shutdown(deadline);
        loop.exec();
    });

    std::unique_ptr<StartupProbe> probe;
    if (qEnvironmentVariableIsSet("OUTPOST_STARTUP_PROBE")) {
        std::printf("qapplication_ms=%lld\nservice_open_ms=%lld\nwindow_built_ms=%lld\n",
                    static_cast<long long>(appMs), static_cast<long long>(openedMs),
                    static_cast<long long>(builtMs));
        probe = std::make_unique<StartupProbe>(
            desktop.mainWindow(), [&desktop] { return desktop.mainWindow()->model()->rowCount(); },
            [&lifecycle] { lifecycle.quit(); });
    }
    desktop.start(parser.isSet(minimizedOpt));
    if (mailto.isValid())
        desktop.openCompose(mailto);
    return app.exec();
}
