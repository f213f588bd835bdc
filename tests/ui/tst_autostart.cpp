// "Start at login" on Linux: the XDG autostart entry under $XDG_CONFIG_HOME/autostart, written
// and removed by Autostart and by the main window's File > Start at login; Exec quoting
// (data-driven); a directory that cannot be written is reported and the switch stays off.
#include "Autostart.h"
#include "MainWindow.h"
#include "UiTestSupport.h"

#include <QAction>
#include <QProcess>
#include <QStandardPaths>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

class TestAutostart : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void writesAndRemovesTheEntry();
    void execQuoting_data();
    void execQuoting();
    void mainWindowSwitch();
    void unwritableDirectoryIsReported();

private:
    QTemporaryDir *m_config = nullptr;
    QByteArray m_oldConfig;
};

void TestAutostart::init()
{
    m_oldConfig = qgetenv("XDG_CONFIG_HOME");
    m_config = new QTemporaryDir;
    QVERIFY(m_config->isValid());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_config->path()));
}

void TestAutostart::cleanup()
{
    qputenv("XDG_CONFIG_HOME", m_oldConfig);
    delete m_config;
    m_config = nullptr;
}

void TestAutostart::writesAndRemovesTheEntry()
{
    const QString path = m_config->path() + u"/autostart/io.github.outpost.Outpost.desktop"_s;
    QCOMPARE(Autostart::location(), path);
    QVERIFY(!Autostart::isEnabled());
    QString error;
    QVERIFY2(Autostart::setEnabled(true, &error, u"/usr/bin/outpost"_s), qPrintable(error));
    QVERIFY(Autostart::isEnabled());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.startsWith("[Desktop Entry]\n"));
    QVERIFY(text.contains("\nType=Application\n"));
    QVERIFY(text.contains("\nExec=/usr/bin/outpost --minimized\n"));
    f.close();
    const QString validator = QStandardPaths::findExecutable(u"desktop-file-validate"_s);
    if (!validator.isEmpty()) {
        QProcess p;
        p.start(validator, {path});
        QVERIFY(p.waitForFinished(10000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardOutput().constData());
    }
    QVERIFY(Autostart::setEnabled(false, &error));
    QVERIFY(!QFile::exists(path));
    QVERIFY(!Autostart::isEnabled());
    QVERIFY(Autostart::setEnabled(false, &error)); // removing twice is fine
}

void TestAutostart::execQuoting_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QByteArray>("exec");
    QTest::newRow("plain") << u"/usr/bin/outpost"_s
                           << QByteArray("Exec=/usr/bin/outpost --minimized\n");
    QTest::newRow("space") << u"/opt/My Apps/outpost"_s
                           << QByteArray("Exec=\"/opt/My Apps/outpost\" --minimized\n");
    QTest::newRow("dollar and quote")
        << u"/home/a$b/\"x\"/outpost"_s
        << QByteArray("Exec=\"/home/a\\$b/\\\"x\\\"/outpost\" --minimized\n");
}

void TestAutostart::execQuoting()
{
    QFETCH(QString, program);
    QFETCH(QByteArray, exec);
    const QByteArray entry = Autostart::desktopEntry(program);
    QVERIFY2(entry.contains("\n" + exec), entry.constData());
}

void TestAutostart::mainWindowSwitch()
{
    test::UiFixture f;
    QVERIFY(f.open());
    MainWindow w(f.service.get());
    QAction *a = w.startAtLoginAction();
    QVERIFY(a->isCheckable());
    QVERIFY(!a->isChecked());
    a->trigger();
    QVERIFY(a->isChecked());
    QVERIFY(Autostart::isEnabled());
    QFile file(Autostart::location());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains(
        "Exec=" + QFile::encodeName(QCoreApplication::applicationFilePath()) + " --minimized\n"));
    a->trigger();
    QVERIFY(!a->isChecked());
    QVERIFY(!Autostart::isEnabled());
    // A second window reads the state from disk.
    QVERIFY(Autostart::setEnabled(true));
    MainWindow again(f.service.get());
    QVERIFY(again.startAtLoginAction()->isChecked());
}

void TestAutostart::unwritableDirectoryIsReported()
{
    // "autostart" is a file here, so no entry can be written below it.
    QFile blocker(m_config->path() + u"/autostart"_s);
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    QString error;
    QVERIFY(!Autostart::setEnabled(true, &error));
    QVERIFY(!error.isEmpty());
    test::UiFixture f;
    QVERIFY(f.open());
    MainWindow w(f.service.get());
    w.show();
    w.startAtLoginAction()->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox()));
    QVERIFY(box->text().contains(u"could not be changed"_s));
    QVERIFY(!w.startAtLoginAction()->isChecked());
    test::clickButton(box, QMessageBox::Ok);
}

QTEST_MAIN(TestAutostart)
#include "tst_autostart.moc"
