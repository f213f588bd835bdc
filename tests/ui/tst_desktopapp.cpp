// The desktop front end as a whole: start, tray menu actions, close-to-tray, quitting,
// notices (certificate decision, paused account banner), main-window actions, screenshot.
#include "AccountDialog.h"
#include "AddressField.h"
#include "CertificateDialog.h"
#include "ComposeWindow.h"
#include "DesktopApp.h"
#include "DetailsDialog.h"
#include "MainWindow.h"
#include "OutboxModel.h"
#include "SharedWords.h"
#include "Translations.h"
#include "TrayController.h"
#include "UiTestSupport.h"
#include "Words.h"
#include "mime/Address.h"
#include "outbox/Dispatcher.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

namespace {
// A self-signed certificate for smtp.example.net (made for this test with openssl).
const char kCertPem[] = "-----BEGIN CERTIFICATE-----\n"
                        "MIIBvDCCAWGgAwIBAgIUOFBbUg1YdvQn1FnX0gKT+PNeaWwwCgYIKoZIzj0EAwIw\n"
                        "MjEZMBcGA1UEAwwQc210cC5leGFtcGxlLm5ldDEVMBMGA1UECgwMT3V0cG9zdCBU\n"
                        "ZXN0MCAXDTI2MTEyOTEyMzMyMloYDzIxMjYxMTA1MTIzMzIyWjAyMRkwFwYDVQQD\n"
                        "DBBzbXRwLmV4YW1wbGUubmV0MRUwEwYDVQQKDAxPdXRwb3N0IFRlc3QwWTATBgcq\n"
                        "hkjOPQIBBggqhkjOPQMBBwNCAARZXAdeqf2rEadbNe/8LYo1V98ze1ZG0P24VcwU\n"
                        "PFMhz5u1T1GteOR3eysx4NHrW6l3Y876dcksyM/YnYyF1V2Fo1MwUTAdBgNVHQ4E\n"
                        "FgQUpwhNl+cQA8ZVcF7W+tDMq5VOEWAwHwYDVR0jBBgwFoAUpwhNl+cQA8ZVcF7W\n"
                        "+tDMq5VOEWAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA2Nsy\n"
                        "+08C0RZlANzeYVpyOw8kz79D7EWuaNEvOl+ILucCIQD12YhDv/mYO5OYKBU+3P10\n"
                        "coDeZann+sMXE4UMPfeFkQ==\n"
                        "-----END CERTIFICATE-----\n";
const char kCertSha256[] = "6a5f8cfcc9a038cd5e7bb6e3b560f5be44cdd0a73c83f3e1331b502b7d984acb";

QAction *findAction(QMenu *menu, const QString &textPart)
{
    for (QAction *a : menu->actions()) {
        if (a->text().remove(QLatin1Char('&')).contains(textPart, Qt::CaseInsensitive))
            return a;
    }
    return nullptr;
}
} // namespace

class TestDesktopApp : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void startShowsTheWindow();
    void firstStartOpensAddAccount();
    void startMinimizedWithoutTrayStillShowsTheWindow();
    void trayMenuActions();
    void trayStateFollowsTheService();
    void closeToTray();
    void closeWithoutTrayAsks();
    void applicationQuitIsNotBlocked();
    void openComposeFromMailto();
    void certificateDecision();
    void pausedAccountBanner();
    void diskFullBanner();
    void noticesBecomeNotifications();
    void mainWindowActions();
    void deleteAsksThenRemovesFinishedMessages();
    void contentNoLongerKept();
    void exportAndDetails();
    void detailsOfAPartlySentMessage();
    void dropEmlFiles();
    void protocolLog();
    void screenshot();
    void editBackToDraft_data();
    void editBackToDraft();
    void editRefusedWhileSending();
    void editClosedStaysDraft();
    void editKeepsReplyToAndWarnsAboutHtml();
    void pluralsInEnglish();
    void statusBarShowsUnreachableServer();
    void storedMessageWordsFitItsState();
    void mailtoAsksBeforeClosing();
    void searchBoxFiltersAsTheUserTypes();

private:
    qint64 queue(const QString &to, const QString &subject,
                 MessageState state = MessageState::Queued);
    std::unique_ptr<test::UiFixture> f;
    std::unique_ptr<DesktopApp> app;
};

void TestDesktopApp::initTestCase()
{
    // As the app does at start (app/Desktop.cpp): English plural forms come from
    // outpost_en.qm.
    installTranslations(qApp, QLocale(QLocale::English, QLocale::UnitedKingdom));
}

void TestDesktopApp::init()
{
    f = std::make_unique<test::UiFixture>();
    QVERIFY(f->open());
}

void TestDesktopApp::cleanup()
{
    app.reset();
    f.reset();
    TrayController::setAvailableOverride(std::nullopt);
}

qint64 TestDesktopApp::queue(const QString &to, const QString &subject, MessageState state)
{
    mime::Draft d;
    d.from = {u"Alice"_s, u"alice@example.org"_s};
    d.to = mime::parseAddressList(to).mailboxes;
    d.subject = subject;
    d.textBody = u"Hello"_s;
    const auto r = f->service->enqueue(u"work"_s, d, {}, state);
    if (!r.ok())
        qWarning("enqueue: %s", qPrintable(r.error));
    return r.id;
}

void TestDesktopApp::startShowsTheWindow()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    QVERIFY(!QApplication::quitOnLastWindowClosed());
    app->start(false);
    QVERIFY(app->mainWindow()->isVisible());
    QVERIFY(!app->tray()->isShown());
    // Every column starts on screen at the first size, the server's reply with room to read.
    auto *table = app->mainWindow()->findChild<QTableView *>();
    QVERIFY(table);
    QTRY_VERIFY(table->viewport()->width() > 0);
    const int reply = table->columnViewportPosition(OutboxModel::ServerReplyColumn);
    QVERIFY2(
        reply >= 0 && reply + 150 <= table->viewport()->width(),
        qPrintable(
            QStringLiteral("reply at %1, viewport %2").arg(reply).arg(table->viewport()->width())));
}

// The first start, with no account: the accounts dialog opens on its "Add account" screens;
// with an account it does not.
void TestDesktopApp::firstStartOpensAddAccount()
{
    TrayController::setAvailableOverride(false);
    {
        app = std::make_unique<DesktopApp>(f->service.get());
        app->start(false);
        QVERIFY(!app->accountsDialog()); // the fixture's account "work" exists
        app.reset();
    }
    test::UiFixture empty;
    QVERIFY(empty.open(false));
    app = std::make_unique<DesktopApp>(empty.service.get());
    app->start(false);
    QVERIFY(app->mainWindow()->isVisible());
    QVERIFY(app->accountsDialog());
    QVERIFY(app->accountsDialog()->isVisible());
    QVERIFY(app->accountsDialog()->isSetupShown());
    app.reset();
}

void TestDesktopApp::startMinimizedWithoutTrayStillShowsTheWindow()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(true);
    QVERIFY(app->mainWindow()->isVisible());
}

void TestDesktopApp::trayMenuActions()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    QMenu *menu = app->tray()->menu();
    QStringList texts;
    for (QAction *a : menu->actions()) {
        if (!a->isSeparator())
            texts << a->text().remove(QLatin1Char('&'));
    }
    QCOMPARE(texts, (QStringList{u"Show Outpost"_s, u"Compose…"_s, u"Send queued now"_s,
                                 u"Work offline"_s, u"Pause sending"_s, u"Quit"_s}));

    // Send queued now: a message waiting for its retry becomes due now (Service::flush).
    const qint64 id = queue(u"bob@example.org"_s, u"waiting"_s);
    DeliveryUpdate u;
    u.id = id;
    u.state = MessageState::Queued;
    u.errorClass = ErrorClass::Transient;
    u.reply.code = 451;
    u.nextAttemptAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    u.event = HistoryEvent::Deferred;
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
    QVERIFY(f->service->outbox()->summary(id)->nextAttemptAt >
            QDateTime::currentDateTimeUtc().addSecs(3000));
    findAction(menu, u"Send queued now"_s)->trigger();
    f->service->storage()->drain(); // the storage wrote it
    QVERIFY(f->service->outbox()->summary(id)->nextAttemptAt <= QDateTime::currentDateTimeUtc());

    // Work offline is the Connectivity switch, both ways.
    QAction *offline = findAction(menu, u"Work offline"_s);
    QVERIFY(offline->isCheckable());
    QVERIFY(offline->isChecked());
    f->service->dispatcher()->stop(); // switching online must not start sending in this test
    offline->trigger();
    QVERIFY(!f->service->connectivity()->workOffline());
    offline->trigger();
    QVERIFY(f->service->connectivity()->workOffline());
    f->service->dispatcher()->start();

    // Pause sending stops the dispatcher; the tray says so.
    QAction *pause = findAction(menu, u"Pause sending"_s);
    pause->trigger();
    QVERIFY(app->tray()->isPaused());
    QCOMPARE(app->tray()->state(), TrayState::Offline);
    QVERIFY(app->tray()->toolTip().contains(u"Sending paused"_s));
    pause->trigger();
    QVERIFY(!app->tray()->isPaused());

    // Compose opens a compose window; Show brings the window back.
    findAction(menu, u"Compose"_s)->trigger();
    QCOMPARE(app->composeWindows().size(), 1);
    app->mainWindow()->hide();
    findAction(menu, u"Show"_s)->trigger();
    QVERIFY(app->mainWindow()->isVisible());

    // Quit asks the app to shut down.
    QSignalSpy quit(app.get(), &DesktopApp::quitRequested);
    findAction(menu, u"Quit"_s)->trigger();
    QCOMPARE(quit.count(), 1);
}

void TestDesktopApp::trayStateFollowsTheService()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    TrayController *tray = app->tray();
    QCOMPARE(tray->state(), TrayState::Offline); // the fixture works offline
    QVERIFY(tray->toolTip().contains(u"Working offline"_s));
    queue(u"bob@example.org"_s, u"one"_s);
    QTRY_VERIFY(tray->toolTip().contains(u"1 queued"_s));
    f->service->accounts()->setPaused(u"work"_s, true, u"auth"_s);
    QTRY_COMPARE(tray->state(), TrayState::Attention);
    f->service->accounts()->setPaused(u"work"_s, false);
    QTRY_COMPARE(tray->state(), TrayState::Offline);
    emit f->service->activityChanged(true);
    QCOMPARE(tray->state(), TrayState::Offline); // offline wins over sending
    f->service->dispatcher()->stop();
    f->service->connectivity()->setWorkOffline(false);
    emit f->service->activityChanged(true);
    QCOMPARE(tray->state(), TrayState::Sending);
    emit f->service->activityChanged(false);
    QCOMPARE(tray->state(), TrayState::Idle);
    f->service->connectivity()->setWorkOffline(true);
    for (auto s : {TrayState::Idle, TrayState::Sending, TrayState::Offline, TrayState::Attention})
        QVERIFY(!Icons::tray(s).isNull());
}

void TestDesktopApp::closeToTray()
{
    TrayController::setAvailableOverride(true);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    QVERIFY(app->mainWindow()->isVisible());
    QSignalSpy quit(app.get(), &DesktopApp::quitRequested);
    QVERIFY(!app->mainWindow()->close()); // refused: only hidden
    QVERIFY(!app->mainWindow()->isVisible());
    QCOMPARE(quit.count(), 0);
    QVERIFY(!test::findMessageBox());
    QCOMPARE(app->tray()->lastNotificationTitle(), u"Outpost is still running"_s);
    app->activate();
    QVERIFY(app->mainWindow()->isVisible());
}

void TestDesktopApp::closeWithoutTrayAsks()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    QSignalSpy quit(app.get(), &DesktopApp::quitRequested);
    app->mainWindow()->close();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"quitQuestion"_s)));
    test::clickButton(box, QMessageBox::No);
    QVERIFY(app->mainWindow()->isVisible());
    QCOMPARE(quit.count(), 0);
    app->mainWindow()->close();
    QTRY_VERIFY((box = test::findMessageBox(u"quitQuestion"_s)));
    test::clickButton(box, QMessageBox::Yes);
    QCOMPARE(quit.count(), 1);
    // After quit was asked for, the window closes for real.
    QVERIFY(app->mainWindow()->close());
}

void TestDesktopApp::applicationQuitIsNotBlocked()
{
    // QCoreApplication::quit() (after the shutdown, on SIGTERM or logout) sends QEvent::Quit;
    // Qt 6 cancels the quit when a window refuses to close. No window may refuse or ask.
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    ComposeWindow *w = app->openCompose();
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Unfinished"_s);
    QEvent quit(QEvent::Quit);
    QCoreApplication::sendEvent(qApp, &quit);
    QVERIFY(!app->mainWindow()->isVisible());
    QTRY_VERIFY(app->composeWindows().isEmpty());
    QVERIFY(!test::findMessageBox());
    // The unsaved message was kept as a draft.
    const auto drafts = f->service->outbox()->list(MessageState::Draft);
    QCOMPARE(drafts.size(), 1);
    QCOMPARE(drafts.first().subject, u"Unfinished"_s);
}

void TestDesktopApp::openComposeFromMailto()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    ComposeWindow *w = app->openCompose(
        QUrl(u"mailto:bob@example.org?subject=From%20a%20link&cc=c@example.org"_s));
    QVERIFY(w);
    QVERIFY(w->isVisible());
    QCOMPARE(w->toField()->text(), u"bob@example.org"_s);
    QCOMPARE(w->ccField()->text(), u"c@example.org"_s);
    QCOMPARE(w->subjectEdit()->text(), u"From a link"_s);
    // Queueing it from there works like any other compose window.
    QVERIFY(w->send());
    QTRY_COMPARE(f->service->outbox()->count(MessageState::Queued), 1);
}

void TestDesktopApp::certificateDecision()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    const qint64 id = queue(u"bob@example.org"_s, u"held for the certificate"_s);
    f->service->storage()->writeNow(&OutboxWriter::holdAccount, u"work"_s, ErrorClass::Certificate,
                                    SmtpReply{}, u"self-signed"_s);
    f->service->accounts()->setPaused(u"work"_s, true, u"certificate"_s, u"self-signed"_s);
    QCOMPARE(f->service->outbox()->summary(id)->state, MessageState::Held);

    Notice n;
    n.kind = Notice::Kind::AccountPaused;
    n.account = u"work"_s;
    n.count = 1;
    n.result.errorClass = ErrorClass::Certificate;
    n.result.certificateChainPem = {QByteArray(kCertPem)};
    n.result.certificateErrors = {u"The certificate is self-signed, and untrusted"_s};
    emit f->service->notice(n);

    CertificateDialog *dlg = app->certificateDialog(u"work"_s);
    QVERIFY(dlg);
    QVERIFY(dlg->isVisible());
    QCOMPARE(dlg->fingerprint(), QString::fromLatin1(kCertSha256));
    QCOMPARE(dlg->certificate().subjectInfo(QSslCertificate::CommonName),
             QStringList{u"smtp.example.net"_s});
    auto *fp = dlg->findChild<QLabel *>(u"fingerprint"_s);
    QVERIFY(fp);
    QVERIFY(fp->text().startsWith(u"6A:5F:8C:FC"_s));
    QVERIFY(app->mainWindow()->findChild<QLabel *>(u"pauseBanner"_s)->isVisible());

    auto *trust = dlg->findChild<QPushButton *>(u"trustButton"_s);
    QVERIFY(trust);
    trust->click();
    f->service->storage()->drain(); // the storage wrote it
    QCOMPARE(f->service->accounts()->find(u"work"_s)->pinSha256, QString::fromLatin1(kCertSha256));
    QVERIFY(!f->service->accounts()->isPaused(u"work"_s));
    QCOMPARE(f->service->outbox()->summary(id)->state, MessageState::Queued);
    QTRY_VERIFY(!app->certificateDialog(u"work"_s));
    QTRY_VERIFY(!app->mainWindow()->findChild<QLabel *>(u"pauseBanner"_s)->isVisible());
}

void TestDesktopApp::diskFullBanner()
{
    // A write the disk had no room for (the dispatcher's notice): the banner says the one
    // sentence, with the free space, never SQLite's words; the window stays usable.
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    auto *banner = app->mainWindow()->findChild<QLabel *>(u"diskFullBanner"_s);
    QVERIFY(banner);
    QVERIFY(!banner->isVisible());
    QCOMPARE(app->mainWindow()->diskFullText(), QString());
    Notice n;
    n.kind = Notice::Kind::DiskFull;
    n.storage.kind = StorageError::Kind::DiskFull;
    n.storage.freeBytes = 12 * 1024;
    n.storage.detail = u"database or disk is full"_s;
    emit f->service->notice(n);
    QVERIFY(banner->isVisible());
    QCOMPARE(app->mainWindow()->diskFullText(),
             u"The disk holding the outbox is full (%1 free); nothing was lost. Free some "
             u"room on it, or delete messages you no longer need."_s.arg(words::size(12 * 1024)));
    QVERIFY(!banner->text().contains(u"database or disk"_s));
    // Room again: gone.
    app->mainWindow()->setDiskFull(StorageError{});
    QVERIFY(!banner->isVisible());
}

void TestDesktopApp::pausedAccountBanner()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    f->service->accounts()->setPaused(u"work"_s, true, u"auth"_s);
    Notice n;
    n.kind = Notice::Kind::AccountPaused;
    n.account = u"work"_s;
    n.result.errorClass = ErrorClass::Auth;
    n.result.reply.code = 535;
    n.result.reply.enhanced = "5.7.8";
    n.result.reply.lines = {"Authentication credentials invalid"};
    emit f->service->notice(n);
    auto *banner = app->mainWindow()->findChild<QLabel *>(u"pauseBanner"_s);
    QVERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(u"work"_s));
    QVERIFY(banner->text().contains(u"535 5.7.8 Authentication credentials invalid"_s));
    // "Enter password…" opens the accounts dialog on that account.
    QPushButton *fix = nullptr;
    for (auto *b : app->mainWindow()->findChildren<QPushButton *>()) {
        if (b->text().remove(QLatin1Char('&')).startsWith(u"Enter password"_s))
            fix = b;
    }
    QVERIFY(fix);
    fix->click();
    AccountDialog *dlg = app->mainWindow()->findChild<AccountDialog *>();
    QVERIFY(dlg);
    QVERIFY(dlg->isVisible());
    QCOMPARE(dlg->nameEdit()->text(), u"work"_s);
}

void TestDesktopApp::noticesBecomeNotifications()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    Notice failed;
    failed.kind = Notice::Kind::MessageFailed;
    failed.account = u"work"_s;
    failed.messageId = 7;
    failed.result.errorClass = ErrorClass::Permanent;
    failed.result.reply.code = 550;
    failed.result.reply.enhanced = "5.1.1";
    failed.result.reply.lines = {"No such user"};
    emit f->service->notice(failed);
    QCOMPARE(app->tray()->lastNotificationTitle(), u"A message could not be sent"_s);
    QVERIFY(app->tray()->lastNotificationText().contains(u"550 5.1.1 No such user"_s));
    QVERIFY(app->mainWindow()->statusBar()->currentMessage().contains(
        u"No such user"_s)); // no tray here

    Notice batch;
    batch.kind = Notice::Kind::BatchSent;
    batch.count = 3;
    emit f->service->notice(batch);
    QCOMPARE(app->tray()->lastNotificationTitle(), u"Messages sent"_s);
    QVERIFY(app->tray()->lastNotificationText().contains(u"3"_s));

    // Sent, but not to everyone: its own notice, naming who was refused with the server's words.
    Notice partly;
    partly.kind = Notice::Kind::PartiallySent;
    partly.account = u"work"_s;
    partly.messageId = 8;
    partly.count = 1;
    partly.recipients = 2;
    partly.refused = {{"carol@example.org", MessageState::Failed, failed.result.reply}};
    partly.result.reply = failed.result.reply;
    emit f->service->notice(partly);
    QCOMPARE(app->tray()->lastNotificationTitle(), u"A message reached only some recipients"_s);
    QCOMPARE(app->tray()->lastNotificationText(),
             u"Sent to 1 of 2 recipients. The server refused:\n"
             u"carol@example.org: 550 5.1.1 No such user"_s);
    QVERIFY(app->mainWindow()->statusBar()->currentMessage().contains(
        u"carol@example.org: 550 5.1.1 No such user"_s));
}

void TestDesktopApp::mainWindowActions()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 a = queue(u"a@example.org"_s, u"first"_s);
    const qint64 b = queue(u"b@example.org"_s, u"second"_s);
    QTRY_COMPARE(mw->model()->rowCount(), 2);
    QTRY_VERIFY(mw->countsText().contains(u"Queued: 2"_s));
    QCOMPARE(mw->connectivityText(), u"Working offline"_s);
    QCOMPARE(mw->poolText(), u"No server connections"_s);

    QVERIFY(mw->selectMessage(a));
    QCOMPARE(mw->selectedIds(), QList<qint64>{a});
    QVERIFY(mw->holdAction()->isEnabled());
    QVERIFY(!mw->releaseAction()->isEnabled());
    mw->holdAction()->trigger();
    f->service->storage()->drain(); // the storage wrote it
    QCOMPARE(f->service->outbox()->summary(a)->state, MessageState::Held);
    QTRY_VERIFY(mw->releaseAction()->isEnabled());
    mw->releaseAction()->trigger();
    f->service->storage()->drain(); // the storage wrote it
    QCOMPARE(f->service->outbox()->summary(a)->state, MessageState::Queued);

    // Retry of a failed message queues it again.
    DeliveryUpdate u;
    u.id = b;
    u.state = MessageState::Failed;
    u.errorClass = ErrorClass::Permanent;
    u.reply.code = 550;
    u.event = HistoryEvent::Failed;
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
    QVERIFY(mw->selectMessage(b));
    QTRY_VERIFY(mw->retryAction()->isEnabled());
    mw->retryAction()->trigger();
    f->service->storage()->drain(); // the storage wrote it
    QCOMPARE(f->service->outbox()->summary(b)->state, MessageState::Queued);

    // Filter: held only.
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::hold, b, &error));
    mw->filterCombo()->setCurrentIndex(mw->filterCombo()->findData(int(OutboxModel::Filter::Held)));
    QCOMPARE(mw->model()->rowCount(), 1);
    mw->filterCombo()->setCurrentIndex(0);
    QCOMPARE(mw->model()->rowCount(), 2);

    // Delete asks, then removes.
    QVERIFY(mw->selectMessage(a));
    mw->deleteAction()->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"deleteQuestion"_s)));
    test::clickButton(box, QMessageBox::Yes);
    f->service->storage()->drain(); // the storage wrote it
    QVERIFY(!f->service->outbox()->summary(a));
    QTRY_COMPARE(mw->model()->rowCount(), 1);

    // Work offline in the toolbar is the same switch as in the tray.
    QCOMPARE(mw->workOfflineAction(), findAction(app->tray()->menu(), u"Work offline"_s));
    mw->newMessageAction()->trigger();
    QCOMPARE(app->composeWindows().size(), 1);
}

void TestDesktopApp::deleteAsksThenRemovesFinishedMessages()
{
    // Delete withdraws what is not sent yet (as `outpost cancel`) and removes finished
    // messages wholly (as `outpost purge`), after a question that names what goes.
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 sent = queue(u"a@example.org"_s, u"sent"_s);
    const qint64 partly = queue(u"x@example.org, y@example.org"_s, u"partly"_s);
    const qint64 waiting = queue(u"c@example.org"_s, u"waiting"_s);
    const qint64 failed = queue(u"d@example.org"_s, u"failed"_s);
    const qint64 sent2 = queue(u"e@example.org"_s, u"sent too"_s);
    QString error;
    for (qint64 id : {sent, sent2}) {
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Sent;
        u.reply = {250, "2.0.0", {"Ok: queued as S1"}};
        u.event = HistoryEvent::Sent;
        u.recipients = {
            {id == sent ? "a@example.org" : "e@example.org", MessageState::Sent, u.reply}};
        QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
                 qPrintable(error));
    }
    DeliveryUpdate fu;
    fu.id = failed;
    fu.state = MessageState::Failed;
    fu.errorClass = ErrorClass::Permanent;
    fu.reply = {550, "5.1.1", {"No such user"}};
    fu.event = HistoryEvent::Failed;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, fu, &error),
             qPrintable(error));
    DeliveryUpdate p;
    p.id = partly;
    p.state = MessageState::Queued;
    p.errorClass = ErrorClass::Transient;
    p.reply = {250, "2.0.0", {"Ok"}};
    p.event = HistoryEvent::Deferred;
    p.recipients = {{"x@example.org", MessageState::Sent, {250, "2.1.5", {"Ok"}}},
                    {"y@example.org", MessageState::Queued, {451, "4.2.0", {"Later"}}}};
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, p, &error),
             qPrintable(error));
    QTRY_COMPARE(mw->model()->rowCount(), 5);

    // A sent message alone: Delete asks, naming what goes; No keeps it.
    QVERIFY(mw->selectMessage(sent));
    QTRY_VERIFY(mw->deleteAction()->isEnabled());
    mw->deleteAction()->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"deleteQuestion"_s)));
    QCOMPARE(box->text(), u"Delete 1 message(s) from the outbox? This cannot be undone. 1 sent "
                          "message(s) go with their record of who got them and their history."_s);
    QCOMPARE(box->defaultButton(), box->button(QMessageBox::No));
    test::clickButton(box, QMessageBox::No);
    f->service->storage()->drain();
    QVERIFY(f->service->outbox()->summary(sent));

    // Yes removes it wholly: record, recipients and history.
    mw->deleteAction()->trigger();
    QTRY_VERIFY((box = test::findMessageBox(u"deleteQuestion"_s)));
    test::clickButton(box, QMessageBox::Yes);
    f->service->storage()->drain(); // the storage wrote it
    QVERIFY(!f->service->outbox()->summary(sent));
    QVERIFY(f->service->outbox()->recipients(sent).isEmpty());
    QTRY_COMPARE(mw->model()->rowCount(), 4);

    // Sent, failed and waiting selected: each kind named.
    QVERIFY(mw->selectMessage(sent2));
    for (qint64 id : {failed, waiting}) {
        const QModelIndex i = mw->model()->index(mw->model()->ensureRow(id), 0);
        mw->table()->selectionModel()->select(i, QItemSelectionModel::Select |
                                                     QItemSelectionModel::Rows);
    }
    QCOMPARE(mw->selectedIds().size(), 3);
    mw->deleteAction()->trigger();
    QTRY_VERIFY((box = test::findMessageBox(u"deleteQuestion"_s)));
    QCOMPARE(box->text(),
             u"Delete 3 message(s) from the outbox? This cannot be undone. 1 not sent yet will "
             "not be sent. 1 sent message(s) go with their record of who got them and their "
             "history. 1 failed message(s) go with their history."_s);
    test::clickButton(box, QMessageBox::Yes);
    f->service->storage()->drain(); // the storage wrote it
    for (qint64 id : {sent2, failed, waiting})
        QVERIFY(!f->service->outbox()->summary(id));
    QTRY_COMPARE(mw->model()->rowCount(), 1);

    // Some recipients got it: kept as failed, the others cancelled, and the window says so.
    QVERIFY(mw->selectMessage(partly));
    QTRY_VERIFY(mw->deleteAction()->isEnabled());
    mw->deleteAction()->trigger();
    QTRY_VERIFY((box = test::findMessageBox(u"deleteQuestion"_s)));
    QCOMPARE(box->text(), u"Delete 1 message(s) from the outbox? This cannot be undone. 1 not "
                          "sent yet will not be sent."_s);
    test::clickButton(box, QMessageBox::Yes);
    f->service->storage()->drain(); // the storage wrote it
    const auto kept = f->service->outbox()->message(partly);
    QVERIFY(kept);
    QCOMPARE(kept->state, MessageState::Failed);
    QCOMPARE(kept->recipients.size(), 2);
    QCOMPARE(kept->recipients[0].state, MessageState::Sent);
    QCOMPARE(kept->recipients[1].state, MessageState::Failed);
    QCOMPARE(mw->statusBar()->currentMessage(),
             u"1 message kept as failed: some recipients already got it; the others were "
             "cancelled."_s);
}

void TestDesktopApp::contentNoLongerKept()
{
    // A sent message whose content retention dropped: the details say so, export refuses in
    // plain words.
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 id = queue(u"a@example.org"_s, u"old news"_s);
    DeliveryUpdate u;
    u.id = id;
    u.state = MessageState::Sent;
    u.reply = {250, "2.0.0", {"Ok"}};
    u.event = HistoryEvent::Sent;
    u.recipients = {{"a@example.org", MessageState::Sent, u.reply}};
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
    QCOMPARE(f->service->storage()->writeNow(&OutboxWriter::dropSentContent,
                                             QDateTime::currentDateTimeUtc().addSecs(60), 30, 10,
                                             &error),
             1);
    QTemporaryDir tmp;
    QVERIFY(!mw->exportMessage(id, tmp.filePath(u"out.eml"_s), &error));
    QCOMPARE(error, u"The content of this message is no longer kept: sent messages keep it for "
                    "the days of the retention.sent_days setting, then only their record, "
                    "recipients and history stay."_s);
    QVERIFY(!QFile::exists(tmp.filePath(u"out.eml"_s)));

    QTRY_VERIFY(mw->selectMessage(id));
    mw->detailsAction()->trigger();
    auto *dlg = mw->findChild<DetailsDialog *>();
    QVERIFY(dlg);
    const QList<QLabel *> labels = dlg->findChildren<QLabel *>();
    const bool said = std::any_of(labels.cbegin(), labels.cend(), [](const QLabel *l) {
        return l->text().startsWith(u"The content is no longer kept (dropped on "_s);
    });
    QVERIFY(said);
    QCOMPARE(dlg->historyTable()->item(dlg->historyTable()->rowCount() - 1, 1)->text(),
             u"content no longer kept (sent more than 30 days before); record kept"_s);
}

void TestDesktopApp::exportAndDetails()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 id = queue(u"Bob <bob@example.org>, carol@example.org"_s, u"exported"_s);
    QTemporaryDir tmp;
    const QString path = tmp.filePath(u"out.eml"_s);
    QString error;
    QVERIFY(mw->exportMessage(id, path, &error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), f->service->outbox()->messageData(id));
    QVERIFY(!mw->exportMessage(99999, tmp.filePath(u"none.eml"_s), &error));
    QVERIFY(!error.isEmpty());

    QTRY_VERIFY(mw->selectMessage(id));
    mw->detailsAction()->trigger();
    auto *dlg = mw->findChild<DetailsDialog *>();
    QVERIFY(dlg);
    QCOMPARE(dlg->messageId(), id);
    QCOMPARE(dlg->recipientsTable()->rowCount(), 2);
    QCOMPARE(dlg->recipientsTable()->item(0, 0)->text(), u"bob@example.org"_s);
    QVERIFY(dlg->historyTable()->rowCount() >= 1);
    QCOMPARE(dlg->historyTable()->item(0, 1)->text(), u"queued"_s);

    // An attempt's notes are shown in words next to its detail (here: DSN asked of a server
    // that does not offer it, RFC 3461).
    DeliveryUpdate u;
    u.id = id;
    u.state = MessageState::Queued;
    u.errorClass = ErrorClass::Transient;
    u.event = HistoryEvent::Deferred;
    u.notes = {u"dsn-not-offered"_s};
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::applyUpdates, QList<DeliveryUpdate>{u},
                                            &error));
    dlg->close();
    delete dlg;
    mw->detailsAction()->trigger();
    dlg = mw->findChild<DetailsDialog *>();
    QVERIFY(dlg);
    const int last = dlg->historyTable()->rowCount() - 1;
    QCOMPARE(dlg->historyTable()->item(last, 1)->text(), u"deferred"_s);
    QCOMPARE(dlg->historyTable()->item(last, 5)->text(), Words::historyNote(u"dsn-not-offered"_s));
}

void TestDesktopApp::detailsOfAPartlySentMessage()
{
    // The details of a message the server took for bob only: the state says so, and the
    // refused recipient is listed with the server's words above everything else.
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 id = queue(u"bob@example.org, carol@example.org"_s, u"partly"_s);
    DeliveryUpdate u;
    u.id = id;
    u.state = MessageState::Sent;
    u.event = HistoryEvent::SentSomeRefused;
    u.reply = {550, "5.1.1", {"No such user"}};
    u.recipients = {{"bob@example.org", MessageState::Sent, {250, "2.0.0", {"Ok"}}},
                    {"carol@example.org", MessageState::Failed, u.reply}};
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
    QTRY_VERIFY(mw->selectMessage(id));
    QTRY_COMPARE(mw->model()->data(mw->model()->index(mw->model()->rowOf(id), 0)).toString(),
                 u"Sent to 1 of 2 recipients"_s);
    mw->detailsAction()->trigger();
    auto *dlg = mw->findChild<DetailsDialog *>();
    QVERIFY(dlg);
    auto label = [&dlg](const QString &name) -> QString {
        for (QLabel *l : dlg->findChildren<QLabel *>()) {
            if (l->accessibleName() == name)
                return l->text();
        }
        return u"<no %1>"_s.arg(name);
    };
    QCOMPARE(label(u"State:"_s), u"Sent to 1 of 2 recipients"_s);
    QCOMPARE(label(u"Refused:"_s), u"carol@example.org: 550 5.1.1 No such user"_s);
    QCOMPARE(dlg->recipientsTable()->item(1, 0)->text(), u"carol@example.org"_s);
    QCOMPARE(dlg->recipientsTable()->item(1, 2)->text(), u"550 5.1.1 No such user"_s);
    QCOMPARE(dlg->historyTable()->item(dlg->historyTable()->rowCount() - 1, 1)->text(),
             u"sent (some recipients refused)"_s);
    // Outpost's words and the server's reply, each on its own line; when it was sent.
    QCOMPARE(label(u"Outcome:"_s),
             u"Accepted for some recipients; the server refused the others."_s);
    QCOMPARE(label(u"Server's reply:"_s), u"550 5.1.1 No such user"_s);
    QCOMPARE(label(u"Sent:"_s),
             QLocale().toString(f->service->outbox()->summary(id)->sentAt.toLocalTime(),
                                QLocale::ShortFormat));
    // Closed, it is deleted; a new dialog may then take its very address, so it is watched
    // through a QPointer, never compared by a pointer that may dangle.
    const QPointer<DetailsDialog> first(dlg);
    dlg->close();

    // A message whose server could not be reached: the outcome in words, and no reply.
    const qint64 down = queue(u"dave@example.org"_s, u"down"_s);
    QCOMPARE(f->service->storage()
                 ->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1))
                 .size(),
             1);
    DeliveryUpdate n;
    n.id = down;
    n.state = MessageState::Queued;
    n.errorClass = ErrorClass::Network;
    n.detail = u"Connection refused"_s;
    n.event = HistoryEvent::DeferredUnreachable;
    n.nextAttemptAt = QDateTime::currentDateTimeUtc().addSecs(60);
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, n, &error),
             qPrintable(error));
    QTRY_VERIFY(mw->selectMessage(down));
    mw->detailsAction()->trigger();
    DetailsDialog *second = nullptr;
    QTRY_VERIFY((second = [&]() -> DetailsDialog * {
        for (auto *d : mw->findChildren<DetailsDialog *>()) {
            if (d != first.data() && d->isVisible())
                return d;
        }
        return nullptr;
    }()));
    dlg = second;
    QCOMPARE(label(u"Outcome:"_s), u"The server could not be reached."_s);
    QCOMPARE(label(u"Server's reply:"_s), u"none (no reply from the server)"_s);
}

void TestDesktopApp::dropEmlFiles()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    QTemporaryDir tmp;
    const QString path = tmp.filePath(u"dropped.eml"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            "From: Alice <alice@example.org>\r\nTo: dave@example.org\r\nSubject: Dropped in\r\n"
            "Message-ID: <dropped-1@example.org>\r\nDate: Mon, 2 Mar 2026 10:00:00 "
            "+0000\r\n\r\nHi\r\n");
    }
    QStringList errors;
    QCOMPARE(app->mainWindow()->enqueueEmlFiles({path, tmp.filePath(u"missing.eml"_s)}, &errors),
             1);
    QCOMPARE(errors.size(), 1);
    f->service->storage()->drain(); // the storage wrote it
    const auto list = f->service->outbox()->list();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list.first().account, u"work"_s);
    QCOMPARE(list.first().subject, u"Dropped in"_s);
    const auto m = f->service->outbox()->message(list.first().id);
    QCOMPARE(m->recipients.size(), 1);
    QCOMPARE(m->recipients.first().address, QByteArray("dave@example.org"));
}

void TestDesktopApp::protocolLog()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    emit f->service->logLine(u"work"_s, u"[work #1] S: 220 smtp.example.net ESMTP"_s);
    emit f->service->logLine(u"work"_s, u"[work #1] C: EHLO outpost"_s);
    // Appended in batches, in order.
    QTRY_VERIFY(app->mainWindow()->logView()->toPlainText().contains(
        u"220 smtp.example.net ESMTP\n[work #1] C: EHLO outpost"_s));
}

void TestDesktopApp::screenshot()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    mw->resize(1000, 560);
    queue(u"Bob <bob@example.org>"_s, u"Quarterly report"_s);
    const qint64 held = queue(u"carol@example.org, dave@example.org"_s, u"Slides for Monday"_s);
    queue(u"erin@example.org"_s, u"Draft: holiday plans"_s, MessageState::Draft);
    const qint64 failed = queue(u"nobody@example.org"_s, u"Invitation"_s);
    const qint64 deferred = queue(u"frank@example.org"_s, u"Re: lunch"_s);
    QString error;
    f->service->storage()->writeNow(&OutboxWriter::hold, held, &error);
    DeliveryUpdate u;
    u.id = failed;
    u.state = MessageState::Failed;
    u.errorClass = ErrorClass::Permanent;
    u.reply = {550, "5.1.1", {"<nobody@example.org>: Recipient address rejected: User unknown"}};
    u.event = HistoryEvent::Failed;
    f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error);
    DeliveryUpdate d;
    d.id = deferred;
    d.state = MessageState::Queued;
    d.errorClass = ErrorClass::Transient;
    d.reply = {451, "4.7.1", {"Greylisted, try again later"}};
    d.nextAttemptAt = QDateTime::currentDateTimeUtc().addSecs(245);
    d.event = HistoryEvent::Deferred;
    f->service->storage()->writeNow(&OutboxWriter::applyUpdate, d, &error);
    emit f->service->logLine(u"work"_s, u"[work #1] S: 220 smtp.example.net ESMTP"_s);
    QTRY_COMPARE(mw->model()->rowCount(), 5);
    QVERIFY(QTest::qWaitForWindowExposed(mw));
    QTRY_VERIFY(mw->countsText().contains(u"Queued: 2"_s));
    QCOMPARE(mw->model()->data(mw->model()->index(0, OutboxModel::NextAttemptColumn)).toString(),
             u"in 4 min"_s);
    QCOMPARE(mw->model()->data(mw->model()->index(4, OutboxModel::NextAttemptColumn)).toString(),
             QString());
    const QString shot = test::saveScreenshot(mw, u"main-window.png"_s);
    QVERIFY2(!shot.isEmpty(), "screenshot not written");
    qInfo("screenshot: %s", qPrintable(shot));

    // The icons side by side: app, tray idle / sending / offline / attention, at 64 and 22 px.
    QLabel sheet;
    QPixmap pm(5 * 72, 72 + 30);
    pm.fill(Qt::white);
    {
        QPainter p(&pm);
        const QList<QIcon> icons{Icons::app(), Icons::tray(TrayState::Idle),
                                 Icons::tray(TrayState::Sending), Icons::tray(TrayState::Offline),
                                 Icons::tray(TrayState::Attention)};
        for (int i = 0; i < icons.size(); ++i) {
            p.drawPixmap(i * 72 + 4, 4, icons.at(i).pixmap(64, 64));
            p.drawPixmap(i * 72 + 25, 74, icons.at(i).pixmap(22, 22));
        }
    }
    sheet.setPixmap(pm);
    sheet.resize(pm.size());
    QVERIFY(!test::saveScreenshot(&sheet, u"icons.png"_s).isEmpty());
}

void TestDesktopApp::editBackToDraft_data()
{
    QTest::addColumn<MessageState>("before");
    QTest::newRow("queued") << MessageState::Queued;
    QTest::newRow("held") << MessageState::Held;
    QTest::newRow("failed") << MessageState::Failed;
}

void TestDesktopApp::editBackToDraft()
{
    QFETCH(MessageState, before);
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    mime::Draft d;
    d.from = {u"Alice"_s, u"alice@example.org"_s};
    d.to = {{u"Bob, Jr."_s, u"bob@example.org"_s}};
    d.cc = {{{}, u"carol@example.org"_s}};
    d.bcc = {{{}, u"dave@example.org"_s}};
    d.subject = u"Quarterly numbers"_s;
    d.textBody = u"Dear Bob,\nsee attached.\n"_s;
    d.attachments = {{u"numbers.csv"_s, "a,b\n1,2\n", u"text/csv"_s}};
    const auto q = f->service->enqueue(u"work"_s, d);
    QVERIFY(q.ok());
    const qint64 id = q.id;
    QString error;
    if (before == MessageState::Held) {
        QVERIFY(f->service->storage()->writeNow(&OutboxWriter::hold, id, &error));
    } else if (before == MessageState::Failed) {
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Failed;
        u.errorClass = ErrorClass::Permanent;
        u.reply.code = 550;
        u.event = HistoryEvent::Failed;
        QVERIFY(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error));
    }
    QTRY_COMPARE(mw->model()->rowCount(), 1);
    QVERIFY(mw->selectMessage(id));
    QTRY_VERIFY(mw->editAction()->isEnabled());
    mw->editAction()->trigger();
    QCOMPARE(app->composeWindows().size(), 1);
    ComposeWindow *w = app->composeWindows().first();
    QCOMPARE(w->editingId(), id);
    f->service->storage()->drain(); // the storage wrote it
    QCOMPARE(f->service->outbox()->summary(id)->state, MessageState::Draft);
    QCOMPARE(w->accountCombo()->currentData().toString(), u"work"_s);
    QCOMPARE(w->toField()->text(), u"\"Bob, Jr.\" <bob@example.org>"_s);
    QCOMPARE(w->ccField()->text(), u"carol@example.org"_s);
    QCOMPARE(w->bccField()->text(), u"dave@example.org"_s);
    QCOMPARE(w->subjectEdit()->text(), u"Quarterly numbers"_s);
    QCOMPARE(w->bodyEdit()->toPlainText(), u"Dear Bob,\nsee attached.\n"_s);
    QCOMPARE(w->attachmentCount(), 1);
    QCOMPARE(w->draft().attachments.first().content, QByteArray("a,b\n1,2\n"));
    QVERIFY(!w->isModified());
    test::saveScreenshot(w, u"compose-edit.png"_s);

    w->subjectEdit()->setText(u"Quarterly numbers (fixed)"_s);
    QSignalSpy stored(f->service.get(), &Service::enqueued);
    QVERIFY(w->send());
    QTRY_COMPARE(stored.count(), 1); // not wait(): an earlier test quit the app
    QCOMPARE(stored.at(0).at(1).toLongLong(), id);
    QCOMPARE(f->service->outbox()->count(), 1); // replaced, not duplicated
    const auto after = f->service->outbox()->summary(id);
    QVERIFY(after);
    QCOMPARE(after->state, MessageState::Queued);
    QCOMPARE(after->subject, u"Quarterly numbers (fixed)"_s);
    QCOMPARE(after->attempts, 0);
    QCOMPARE(f->service->outbox()->message(id)->recipients.size(), 3);
}

void TestDesktopApp::editRefusedWhileSending()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    const qint64 id = queue(u"a@example.org"_s, u"in flight"_s);
    // The dispatcher claimed it (as it does right before the transaction).
    QCOMPARE(f->service->storage()
                 ->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1))
                 .size(),
             1);
    QCOMPARE(app->openEdit(id), nullptr);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"editRefused"_s)));
    QVERIFY(box->text().contains(u"being sent right now"_s));
    test::clickButton(box, QMessageBox::Ok);
    QCOMPARE(f->service->outbox()->summary(id)->state, MessageState::Sending);
    QVERIFY(app->composeWindows().isEmpty());
    QTRY_VERIFY(app->mainWindow()->selectMessage(id));
    QVERIFY(!app->mainWindow()->editAction()->isEnabled());
}

void TestDesktopApp::editClosedStaysDraft()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 id = queue(u"a@example.org"_s, u"think again"_s);
    ComposeWindow *w = app->openEdit(id);
    QVERIFY(w);
    QCOMPARE(app->openEdit(id), w); // one window per message
    QVERIFY(w->close());            // unchanged: closes without asking
    f->service->storage()->drain(); // the storage wrote it
    QCOMPARE(f->service->outbox()->summary(id)->state, MessageState::Draft);
    QCOMPARE(f->service->outbox()->count(), 1);
    mw->filterCombo()->setCurrentIndex(
        mw->filterCombo()->findData(int(OutboxModel::Filter::Drafts)));
    QTRY_COMPARE(mw->model()->rowCount(), 1);
    QCOMPARE(mw->model()->idAt(0), id);
    // Reopened from the Drafts filter, changed and saved as a draft again: still one message.
    QVERIFY(mw->selectMessage(id));
    QTRY_VERIFY(mw->editAction()->isEnabled());
    mw->editAction()->trigger();
    QTRY_COMPARE(app->composeWindows().size(), 1);
    w = app->composeWindows().first();
    QCOMPARE(w->subjectEdit()->text(), u"think again"_s);
    w->bodyEdit()->setPlainText(u"Second thoughts"_s);
    QSignalSpy stored(f->service.get(), &Service::enqueued);
    QVERIFY(w->saveDraft());
    QTRY_COMPARE(stored.count(), 1);
    QCOMPARE(f->service->outbox()->count(), 1);
    QCOMPARE(f->service->outbox()->summary(id)->state, MessageState::Draft);
    QVERIFY(f->service->outbox()->messageData(id).contains("Second thoughts"));
}

void TestDesktopApp::editKeepsReplyToAndWarnsAboutHtml()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    mime::Draft d;
    d.from = {u"Alice"_s, u"alice@example.org"_s};
    d.to = {{{}, u"bob@example.org"_s}};
    d.replyTo = {{{}, u"team@example.org"_s}};
    d.subject = u"Formatted"_s;
    d.textBody = u"Plain words\n"_s;
    d.htmlBody = u"<p>Plain <b>words</b></p>"_s;
    const auto q = f->service->enqueue(u"work"_s, d);
    QVERIFY(q.ok());
    ComposeWindow *w = app->openEdit(q.id);
    QVERIFY(w);
    QVERIFY(w->errorBanner()->isVisible());
    QVERIFY(w->errorBanner()->text().contains(u"HTML"_s));
    QCOMPARE(w->bodyEdit()->toPlainText(), u"Plain words\n"_s);
    QSignalSpy done(f->service.get(), &Service::enqueued);
    QVERIFY(w->send());
    QTRY_COMPARE(done.count(), 1);
    const QByteArray stored = f->service->outbox()->messageData(q.id);
    QVERIFY(stored.contains("Reply-To: team@example.org"));
    QVERIFY(!stored.contains("text/html"));
}

QTEST_MAIN(TestDesktopApp)
#include "tst_desktopapp.moc"

void TestDesktopApp::pluralsInEnglish()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    QCOMPARE(MainWindow::tr("Queued %n message(s) for %1.", nullptr, 1).arg(u"work"_s),
             u"Queued 1 message for work."_s);
    QCOMPARE(MainWindow::tr("Queued %n message(s) for %1.", nullptr, 2).arg(u"work"_s),
             u"Queued 2 messages for work."_s);
    // Through the window: a dropped .eml file says how many were queued.
    QTemporaryDir tmp;
    const QString path = tmp.filePath(u"one.eml"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: dropped\r\n\r\nHi\r\n");
    file.close();
    QCOMPARE(mw->enqueueEmlFiles({path}), 1);
    QCOMPARE(mw->statusBar()->currentMessage(), u"Queued 1 message for work."_s);
}

void TestDesktopApp::statusBarShowsUnreachableServer()
{
    // The machine is online, but the account's server (a closed port) refuses connections:
    // the status bar says which server cannot be reached instead of a plain "Online".
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    f->service->connectivity()->setOverride(Connectivity::Reachability::Online);
    f->service->connectivity()->setWorkOffline(false);
    QTRY_COMPARE(mw->connectivityText(), u"Online"_s);
    const auto account = f->service->accounts()->find(u"work"_s);
    QVERIFY(account);
    const QString server = u"127.0.0.1:%1"_s.arg(account->port);
    queue(u"bob@example.org"_s, u"to a server that is down"_s);
    QTRY_COMPARE_WITH_TIMEOUT(mw->connectivityText(),
                              u"Online, but %1 cannot be reached"_s.arg(server), 15000);
    const auto contacts = f->service->dispatcher()->serverContacts();
    QCOMPARE(contacts.size(), 1);
    QCOMPARE(contacts.first().account, u"work"_s);
    QCOMPARE(contacts.first().seen, ServerContact::Seen::Unreachable);
    QCOMPARE(contacts.first().errorClass, ErrorClass::Network);
    // The row tells Outpost's words apart from the server's (there was no reply).
    QTRY_COMPARE(mw->model()->rowCount(), 1);
    QTRY_COMPARE(mw->model()->data(mw->model()->index(0, OutboxModel::OutcomeColumn)).toString(),
                 u"The server could not be reached."_s);
    QCOMPARE(mw->model()->data(mw->model()->index(0, OutboxModel::ServerReplyColumn)).toString(),
             QString());
    f->service->connectivity()->setWorkOffline(true);
}

void TestDesktopApp::storedMessageWordsFitItsState()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    ComposeWindow *draft = app->openCompose();
    draft->toField()->setText(u"bob@example.org"_s);
    draft->subjectEdit()->setText(u"later"_s);
    QVERIFY(draft->saveDraft());
    QTRY_COMPARE(f->service->outbox()->count(MessageState::Draft), 1);
    const qint64 draftId = f->service->outbox()->ids(MessageState::Draft).first();
    QTRY_COMPARE(mw->statusBar()->currentMessage(),
                 u"Draft %1 saved in the outbox; it is not sent until you send it."_s.arg(draftId));
    ComposeWindow *now = app->openCompose();
    now->toField()->setText(u"bob@example.org"_s);
    now->subjectEdit()->setText(u"now"_s);
    QVERIFY(now->send());
    QTRY_COMPARE(f->service->outbox()->count(MessageState::Queued), 1);
    const qint64 queuedId = f->service->outbox()->ids(MessageState::Queued).first();
    QTRY_COMPARE(
        mw->statusBar()->currentMessage(),
        u"Message %1 is queued and will be sent as soon as the server can be reached."_s.arg(
            queuedId));
}

void TestDesktopApp::mailtoAsksBeforeClosing()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    // Opened from a link: what it brought is stored nowhere yet, so Ctrl+W asks before it is
    // lost, even with nothing typed; Discard closes and stores nothing.
    QPointer<ComposeWindow> w =
        app->openCompose(QUrl(u"mailto:bob@example.org?subject=Hello&body=Hi%20Bob"_s));
    QVERIFY(w);
    QVERIFY(QTest::qWaitForWindowActive(w));
    QVERIFY(w->isModified());
    QTest::keyClick(w->focusWidget() ? w->focusWidget() : w.data(), Qt::Key_W, Qt::ControlModifier);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"closeQuestion"_s)));
    QVERIFY(w && w->isVisible());
    test::clickButton(box, QMessageBox::Discard);
    QTRY_VERIFY(!w || !w->isVisible());
    QCOMPARE(f->service->outbox()->count(), 0);

    // Save keeps it as a draft.
    QPointer<ComposeWindow> kept = app->openCompose(QUrl(u"mailto:carol@example.org"_s));
    QVERIFY(QTest::qWaitForWindowActive(kept));
    QTest::keyClick(kept->focusWidget() ? kept->focusWidget() : kept.data(), Qt::Key_W,
                    Qt::ControlModifier);
    QTRY_VERIFY((box = test::findMessageBox(u"closeQuestion"_s)));
    test::clickButton(box, QMessageBox::Save);
    QTRY_COMPARE(f->service->outbox()->count(MessageState::Draft), 1);
    QTRY_VERIFY(!kept || !kept->isVisible());

    // A new, empty compose window closes at once.
    QPointer<ComposeWindow> empty = app->openCompose();
    QVERIFY(QTest::qWaitForWindowActive(empty));
    QTest::keyClick(empty->focusWidget() ? empty->focusWidget() : empty.data(), Qt::Key_W,
                    Qt::ControlModifier);
    QTRY_VERIFY(!empty || !empty->isVisible());
    QVERIFY(!test::findMessageBox(u"closeQuestion"_s));
}

void TestDesktopApp::searchBoxFiltersAsTheUserTypes()
{
    TrayController::setAvailableOverride(false);
    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    const qint64 invoice = queue(u"Jürgen Groß <jg@example.org>"_s, u"Invoice March"_s);
    queue(u"bob@example.org"_s, u"Lunch"_s);
    const qint64 carol = queue(u"carol@example.net"_s, u"Your invoice"_s);
    QTRY_COMPARE(mw->model()->rowCount(), 3);
    QLineEdit *search = mw->searchEdit();
    QVERIFY(search);
    search->setFocus();
    QTest::keyClicks(search, u"INVOICE"_s);
    // Debounced: nothing is filtered while typing goes on.
    QCOMPARE(mw->model()->rowCount(), 3);
    QTRY_COMPARE(mw->model()->rowCount(), 2);
    QCOMPARE(mw->model()->idAt(0), carol);
    QCOMPARE(mw->model()->idAt(1), invoice);
    // Recipients too, and non-ASCII letters in another case.
    search->clear();
    QTest::keyClicks(search, u"JÜRGEN"_s);
    QTRY_COMPARE(mw->model()->rowCount(), 1);
    QCOMPARE(mw->model()->idAt(0), invoice);
    // A new message that matches appears while the search is shown; one that does not, not.
    const qint64 late = queue(u"Jürgen <j2@example.org>"_s, u"Late"_s);
    queue(u"dave@example.org"_s, u"Other"_s);
    QTRY_COMPARE(mw->model()->rowCount(), 2);
    QCOMPARE(mw->model()->idAt(0), late);
    // Ctrl+F goes to the box; clearing it shows everything again.
    mw->table()->setFocus();
    QTest::keyClick(mw, Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(search->hasFocus());
    search->clear();
    QTRY_COMPARE(mw->model()->rowCount(), 5);
}
