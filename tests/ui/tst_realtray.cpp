// The real `outpost` desktop app on a real X server (Xvfb): with Debian's `trayer` as the
// system tray host its icon is embedded (XEmbed) into trayer's panel and the icon's menu
// works; without any tray the main window is shown even when started minimized
// (design.md §5). Everything is observed from outside with xwininfo, xprop and xdotool, and
// every process is bounded by a timeout and killed at the end.

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {

QString outpostBinary()
{
    return qEnvironmentVariable("OUTPOST_BINARY_DIR") + QStringLiteral("/app/outpost");
}

/// Stops a process: SIGTERM, then SIGKILL after `graceMs` (ms).
void stopProcess(QProcess &p, int graceMs = 3000)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(graceMs)) {
        p.kill();
        p.waitForFinished(5000);
    }
}

/// An Xvfb server on a free display, optionally with trayer as the tray host, and the
/// outpost app on it. The destructor kills whatever still runs.
class XSession
{
public:
    ~XSession()
    {
        stopProcess(outpost, 1000);
        stopProcess(trayer);
        stopProcess(xvfb);
    }

    /// Starts Xvfb (-displayfd tells the display number); false with `error` set on failure.
    bool startX(QString *error)
    {
        xvfb.setStandardErrorFile(QProcess::nullDevice());
        xvfb.start(QStringLiteral("/usr/bin/Xvfb"),
                   {QStringLiteral("-displayfd"), QStringLiteral("1"), QStringLiteral("-screen"),
                    QStringLiteral("0"), QStringLiteral("1024x768x24"), QStringLiteral("-nolisten"),
                    QStringLiteral("tcp"), QStringLiteral("-noreset")});
        if (!xvfb.waitForStarted(5000)) {
            *error = QStringLiteral("Xvfb does not start");
            return false;
        }
        QByteArray out;
        QDeadlineTimer deadline(15000);
        while (!out.contains('\n') && !deadline.hasExpired() && xvfb.state() == QProcess::Running) {
            xvfb.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
            out += xvfb.readAllStandardOutput();
        }
        bool ok = false;
        const int number = out.trimmed().toInt(&ok);
        if (!ok) {
            *error = QStringLiteral("Xvfb did not report its display");
            return false;
        }
        display = QLatin1Char(':') + QString::number(number);
        return true;
    }

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(QStringLiteral("WAYLAND_DISPLAY"));
        e.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        e.insert(QStringLiteral("DISPLAY"), display);
        // No D-Bus session: Qt uses the XEmbed tray, and libdbus autolaunches no bus.
        e.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                 QStringLiteral("unix:path=") + dataDir.filePath(QStringLiteral("no-bus")));
        return e;
    }

    void startTrayer()
    {
        trayer.setProcessEnvironment(env());
        trayer.setStandardOutputFile(QProcess::nullDevice());
        trayer.setStandardErrorFile(QProcess::nullDevice());
        trayer.start(QStringLiteral("/usr/bin/trayer"),
                     {QStringLiteral("--edge"), QStringLiteral("top"), QStringLiteral("--align"),
                      QStringLiteral("right"), QStringLiteral("--widthtype"),
                      QStringLiteral("request"), QStringLiteral("--height"), QStringLiteral("24"),
                      QStringLiteral("--transparent"), QStringLiteral("false")});
    }

    void startOutpost(const QStringList &args)
    {
        outpost.setProcessEnvironment(env());
        outpost.setProcessChannelMode(QProcess::ForwardedChannels);
        outpost.start(outpostBinary(), QStringList{QStringLiteral("--data-dir"),
                                                   dataDir.filePath(QStringLiteral("data")),
                                                   QStringLiteral("--offline")} +
                                           args);
    }

    /// Runs an X client to completion (at most 3 s) and returns its standard output.
    QString x(const QString &program, const QStringList &args) const
    {
        QProcess p;
        p.setProcessEnvironment(env());
        p.setStandardErrorFile(QProcess::nullDevice());
        p.start(program, args);
        if (!p.waitForFinished(3000)) {
            p.kill();
            p.waitForFinished(5000);
            return {};
        }
        return QString::fromLocal8Bit(p.readAllStandardOutput());
    }

    /// The window ids (hex) of trayer's panel subtree in `xwininfo -root -tree`.
    QStringList trayerPanelSubtree() const
    {
        const QStringList lines =
            x(QStringLiteral("xwininfo"), {QStringLiteral("-root"), QStringLiteral("-tree")})
                .split(QLatin1Char('\n'));
        static const QRegularExpression idRe(QStringLiteral("^(\\s*)(0x[0-9a-f]+) "));
        QStringList ids;
        qsizetype panelIndent = -1;
        for (const QString &line : lines) {
            const auto m = idRe.match(line);
            if (!m.hasMatch())
                continue;
            const qsizetype indent = m.capturedLength(1);
            if (panelIndent >= 0) {
                if (indent <= panelIndent)
                    break;
                ids << m.captured(2);
            } else if (line.contains(QLatin1String("(\"panel\" \"trayer\")"))) {
                panelIndent = indent;
            }
        }
        return ids;
    }

    /// The process id that `window` claims with _NET_WM_PID, or 0.
    qint64 windowPid(const QString &window) const
    {
        const QString out = x(QStringLiteral("xprop"),
                              {QStringLiteral("-id"), window, QStringLiteral("_NET_WM_PID")});
        static const QRegularExpression re(QStringLiteral("= (\\d+)"));
        const auto m = re.match(out);
        return m.hasMatch() ? m.captured(1).toLongLong() : 0;
    }

    /// The outpost window embedded in trayer's panel, or an empty string.
    QString trayIconWindow() const
    {
        for (const QString &id : trayerPanelSubtree()) {
            if (windowPid(id) == outpost.processId())
                return id;
        }
        return {};
    }

    /// A viewable window of outpost's, as xwininfo describes it.
    struct Window
    {
        QString id;
        QString title;
        bool overrideRedirect = false;
    };

    /// Viewable windows of outpost apart from the tray icon (embedded in trayer's panel).
    QList<Window> visibleWindows() const
    {
        QList<Window> out;
        const QStringList inTray = trayerPanelSubtree();
        const QStringList ids = x(QStringLiteral("xdotool"),
                                  {QStringLiteral("search"), QStringLiteral("--onlyvisible"),
                                   QStringLiteral("--pid"), QString::number(outpost.processId())})
                                    .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        static const QRegularExpression titleRe(QStringLiteral("Window id: 0x[0-9a-f]+ \"(.*)\""));
        for (const QString &decimal : ids) {
            // xdotool prints decimal ids, xwininfo hexadecimal ones.
            const QString id = QStringLiteral("0x") + QString::number(decimal.toULongLong(), 16);
            if (inTray.contains(id))
                continue;
            const QString info = x(QStringLiteral("xwininfo"), {QStringLiteral("-id"), id});
            if (!info.contains(QLatin1String("Map State: IsViewable")))
                continue;
            Window w;
            w.id = id;
            w.title = titleRe.match(info).captured(1);
            w.overrideRedirect = info.contains(QLatin1String("Override Redirect State: yes"));
            out << w;
        }
        return out;
    }

    /// Titles of outpost's viewable managed windows (main, compose, dialogs).
    QStringList windowTitles() const
    {
        QStringList titles;
        for (const Window &w : visibleWindows()) {
            if (!w.overrideRedirect)
                titles << w.title;
        }
        return titles;
    }

    /// Number of outpost's viewable popups (override-redirect: menus, tooltips).
    int popupCount() const
    {
        int n = 0;
        for (const Window &w : visibleWindows())
            n += w.overrideRedirect;
        return n;
    }

    QTemporaryDir dataDir;
    QProcess xvfb;
    QProcess trayer;
    QProcess outpost;
    QString display;
};

} // namespace

class TestRealTray : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void trayIconEmbeddedAndMenuWorks();
    void noTrayShowsMainWindow();

private:
    void quitWithSigterm(XSession &s);
};

void TestRealTray::initTestCase()
{
    for (const char *tool : {"/usr/bin/Xvfb", "/usr/bin/trayer"}) {
        if (!QFile::exists(QString::fromLatin1(tool)))
            QSKIP(qPrintable(QStringLiteral("%1 is missing (apt-get install xvfb trayer)")
                                 .arg(QString::fromLatin1(tool))));
    }
    for (const char *tool : {"xwininfo", "xprop", "xdotool"}) {
        if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
            QSKIP(qPrintable(QStringLiteral("%1 is missing (apt-get install x11-utils xdotool)")
                                 .arg(QString::fromLatin1(tool))));
    }
    QVERIFY2(QFile::exists(outpostBinary()), qPrintable(outpostBinary()));
}

/// Polls `done` until it holds or `timeoutMs` (ms) of wall-clock time have passed. QTRY_*
/// counts iterations, not time, so with slow conditions (X clients run as processes) it could
/// wait far longer than its timeout.
template <typename F> bool waitUntil(int timeoutMs, F done)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(100);
    }
    return true;
}

/// SIGTERM runs the graceful shutdown: exit code 0 within the 10 s shutdown deadline.
void TestRealTray::quitWithSigterm(XSession &s)
{
    QCOMPARE(s.outpost.state(), QProcess::Running);
    ::kill(pid_t(s.outpost.processId()), SIGTERM);
    QVERIFY2(s.outpost.waitForFinished(10000), "outpost did not exit within 10 s of SIGTERM");
    QCOMPARE(s.outpost.exitStatus(), QProcess::NormalExit);
    QCOMPARE(s.outpost.exitCode(), 0);
}

void TestRealTray::trayIconEmbeddedAndMenuWorks()
{
    XSession s;
    QVERIFY(s.dataDir.isValid());
    QString error;
    QVERIFY2(s.startX(&error), qPrintable(error));
    s.startTrayer();
    QVERIFY(s.trayer.waitForStarted(5000));
    // trayer's panel exists (it owns the tray selection from then on).
    QVERIFY2(waitUntil(10000,
                       [&] {
                           return s
                               .x(QStringLiteral("xwininfo"),
                                  {QStringLiteral("-root"), QStringLiteral("-tree")})
                               .contains(QLatin1String("(\"panel\" \"trayer\")"));
                       }),
             "trayer shows no panel");

    s.startOutpost({QStringLiteral("--minimized")});
    QVERIFY(s.outpost.waitForStarted(5000));

    // The icon is a window of outpost's (_NET_WM_PID), reparented into trayer's panel.
    QString icon;
    QVERIFY2(waitUntil(20000, [&] { return !(icon = s.trayIconWindow()).isEmpty(); }),
             "no outpost window is embedded in trayer's panel");
    // Started minimized with a tray: nothing but the icon.
    QCOMPARE(s.windowTitles(), QStringList());
    QCOMPARE(s.popupCount(), 0);

    // Right-click opens the icon's menu (an override-redirect popup of outpost's).
    s.x(QStringLiteral("xdotool"),
        {QStringLiteral("mousemove"), QStringLiteral("--window"), icon, QStringLiteral("4"),
         QStringLiteral("4"), QStringLiteral("click"), QStringLiteral("3")});
    QVERIFY2(waitUntil(10000, [&] { return s.popupCount() == 1; }), "the tray menu did not open");

    // Its first entry, Show, brings up the main window and closes the menu.
    s.x(QStringLiteral("xdotool"),
        {QStringLiteral("key"), QStringLiteral("Down"), QStringLiteral("Return")});
    QVERIFY2(waitUntil(10000,
                       [&] {
                           return s.windowTitles() == QStringList{QStringLiteral("Outpost")} &&
                                  s.popupCount() == 0;
                       }),
             qPrintable(s.windowTitles().join(QLatin1Char(','))));
    // The icon is still in the tray.
    QCOMPARE(s.trayIconWindow(), icon);

    quitWithSigterm(s);
}

void TestRealTray::noTrayShowsMainWindow()
{
    XSession s;
    QVERIFY(s.dataDir.isValid());
    QString error;
    QVERIFY2(s.startX(&error), qPrintable(error));

    // --minimized asks for the tray only; with no tray the main window is shown anyway, and,
    // as this is a first start (no account yet), the accounts dialog on "Add account".
    s.startOutpost({QStringLiteral("--minimized")});
    QVERIFY(s.outpost.waitForStarted(5000));
    const QStringList expected = {QStringLiteral("Add account"), QStringLiteral("Outpost")};
    QVERIFY2(waitUntil(20000,
                       [&] {
                           QStringList titles = s.windowTitles();
                           titles.sort();
                           return titles == expected;
                       }),
             qPrintable(s.windowTitles().join(QLatin1Char(','))));

    quitWithSigterm(s);
}

QTEST_GUILESS_MAIN(TestRealTray)
#include "tst_realtray.moc"
