// The README's pictures, taken from the real widgets so that they never go stale: the outbox
// window with a few realistic messages (queued after a deferral, sent, failed with the server's
// reply, one that may have been sent already, a draft) and the compose window.
// The PNGs go to ${OUTPOST_BINARY_DIR}/artifacts/screenshots; with OUTPOST_UPDATE_SCREENSHOTS=1
// they replace docs/screenshots/ in the source tree (see tests/README.md).
#include "AddressField.h"
#include "ComposeWindow.h"
#include "DesktopApp.h"
#include "MainWindow.h"
#include "OutboxModel.h"
#include "Translations.h"
#include "TrayController.h"
#include "UiTestSupport.h"
#include "mime/Address.h"

#include <QApplication>
#include <QFile>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableView>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

class TestScreenshots : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void mainWindow();
    void compose();

private:
    qint64 queue(const QString &to, const QString &subject, const QString &body,
                 MessageState state = MessageState::Queued);
    void apply(const DeliveryUpdate &u);
    /// Grabs `w` at exactly `size` and writes it as `name`; checks the picture.
    void shoot(QWidget *w, const QSize &size, const QString &name);

    std::unique_ptr<test::UiFixture> f;
    std::unique_ptr<DesktopApp> app;
};

void TestScreenshots::initTestCase()
{
    installTranslations(qApp, QLocale(QLocale::English, QLocale::UnitedKingdom));
    // The same face wherever the pictures are refreshed (Debian's fonts-dejavu-core); the
    // platform's default font when it is missing.
    if (QFontDatabase::families().contains(u"DejaVu Sans"_s))
        QApplication::setFont(QFont(u"DejaVu Sans"_s, 9));
    QVERIFY2(!QFontDatabase::families().isEmpty(),
             "no font installed: the pictures would have no readable text");
}

void TestScreenshots::init()
{
    f = std::make_unique<test::UiFixture>();
    QVERIFY(f->open());
    TrayController::setAvailableOverride(false);
}

void TestScreenshots::cleanup()
{
    app.reset();
    f.reset();
    TrayController::setAvailableOverride(std::nullopt);
}

qint64 TestScreenshots::queue(const QString &to, const QString &subject, const QString &body,
                              MessageState state)
{
    mime::Draft d;
    d.from = {u"Alice Example"_s, u"alice@example.org"_s};
    d.to = mime::parseAddressList(to).mailboxes;
    d.subject = subject;
    d.textBody = body;
    const auto r = f->service->enqueue(u"work"_s, d, {}, state);
    if (!r.ok())
        qWarning("enqueue: %s", qPrintable(r.error));
    return r.id;
}

void TestScreenshots::apply(const DeliveryUpdate &u)
{
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
}

void TestScreenshots::shoot(QWidget *w, const QSize &size, const QString &name)
{
    w->resize(size);
    QVERIFY(QTest::qWaitForWindowExposed(w));
    QTRY_COMPARE(w->size(), size);
    const QImage image = w->grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), size * w->devicePixelRatio());
    // Text was drawn: a picture of flat colours only means no font rendered.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height() && colours.size() < 64; y += 3) {
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() >= 64, "the picture has almost no distinct colours");

    // Palette PNGs stay small (a window has few colours) and look the same.
    const QImage small = image.convertToFormat(QImage::Format_Indexed8, Qt::ThresholdDither);
    QDir out(qEnvironmentVariable("OUTPOST_BINARY_DIR", QDir::currentPath()) +
             u"/artifacts/screenshots"_s);
    if (qEnvironmentVariable("OUTPOST_UPDATE_SCREENSHOTS") == u"1"_s)
        out.setPath(qEnvironmentVariable("OUTPOST_SOURCE_DIR") + u"/docs/screenshots"_s);
    QVERIFY(out.mkpath(u"."_s));
    const QString path = out.filePath(name);
    QVERIFY2(small.save(path, "PNG", 9), qPrintable(path));
    const QImage back(path);
    QCOMPARE(back.size(), image.size());
    QVERIFY(QFileInfo(path).size() > 0);
    qInfo("screenshot: %s (%lld bytes)", qPrintable(path), QFileInfo(path).size());
}

void TestScreenshots::mainWindow()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Sent: accepted by the server with its queue id.
    const qint64 sent =
        queue(u"Team <team@example.org>"_s, u"Quarterly report, Q3"_s, u"Attached."_s);
    DeliveryUpdate s;
    s.id = sent;
    s.state = MessageState::Sent;
    s.reply = {250, "2.0.0", {"Ok: queued as 4Ydq2R1kFpz9t"}};
    s.event = HistoryEvent::Sent;
    s.server = u"smtp.example.org:587"_s;
    apply(s);
    // Failed: the server refused the recipient for good.
    const qint64 failed =
        queue(u"Jon <jon.smith@example.net>"_s, u"Invitation: Friday 18:00"_s, u"Hi Jon,"_s);
    DeliveryUpdate fl;
    fl.id = failed;
    fl.state = MessageState::Failed;
    fl.errorClass = ErrorClass::Permanent;
    fl.reply = {550, "5.1.1", {"Recipient unknown"}};
    fl.event = HistoryEvent::Failed;
    fl.server = u"smtp.example.org:587"_s;
    apply(fl);
    // Queued: the server could not be reached; the next attempt counts down.
    const qint64 deferred =
        queue(u"Bob <bob@example.org>"_s, u"Minutes of Tuesday's meeting"_s, u"Minutes."_s);
    DeliveryUpdate d;
    d.id = deferred;
    d.state = MessageState::Queued;
    d.errorClass = ErrorClass::Network;
    d.detail = u"Connection refused"_s;
    d.nextAttemptAt = now.addSecs(245);
    d.event = HistoryEvent::DeferredUnreachable;
    apply(d);
    // Greylisted: the server asked to try again later.
    const qint64 grey = queue(u"carol@example.com"_s, u"Re: lunch on Thursday?"_s, u"Yes!"_s);
    DeliveryUpdate g;
    g.id = grey;
    g.state = MessageState::Queued;
    g.errorClass = ErrorClass::Transient;
    g.reply = {451, "4.7.1", {"Greylisted, try again later"}};
    g.nextAttemptAt = now.addSecs(1260);
    g.event = HistoryEvent::Deferred;
    g.server = u"smtp.example.org:587"_s;
    apply(g);
    // May have been sent already: the connection broke after the end of the data.
    const qint64 uncertain =
        queue(u"Dave <dave@example.org>"_s, u"Signed contract"_s, u"Here it is."_s);
    DeliveryUpdate u;
    u.id = uncertain;
    u.state = MessageState::Queued;
    u.errorClass = ErrorClass::Timeout;
    u.detail = u"no reply to the end of the data"_s;
    u.uncertain = true;
    u.nextAttemptAt = now.addSecs(60);
    u.event = HistoryEvent::UncertainRequeued;
    u.server = u"smtp.example.org:587"_s;
    apply(u);
    // Just written, not tried yet; and a draft.
    queue(u"erin@example.org, frank@example.org"_s, u"Slides for Monday"_s, u"See attached."_s);
    queue(u"grace@example.org"_s, u"Holiday plans"_s, u"…"_s, MessageState::Draft);

    app = std::make_unique<DesktopApp>(f->service.get());
    app->start(false);
    MainWindow *mw = app->mainWindow();
    QTRY_COMPARE(mw->model()->rowCount(), 7);
    OutboxModel *model = mw->model();
    auto cell = [model](qint64 id, int column) {
        return model->data(model->index(model->rowOf(id), column)).toString();
    };
    QTRY_COMPARE(cell(sent, OutboxModel::ServerReplyColumn),
                 u"250 2.0.0 Ok: queued as 4Ydq2R1kFpz9t"_s);
    QCOMPARE(cell(failed, OutboxModel::OutcomeColumn), u"The server refused the message."_s);
    QCOMPARE(cell(deferred, OutboxModel::OutcomeColumn), u"The server could not be reached."_s);
    QCOMPARE(cell(uncertain, 0), u"Queued (may have been sent already)"_s);
    QCOMPARE(cell(grey, OutboxModel::NextAttemptColumn), u"in 21 min"_s);
    mw->table()->resizeColumnsToContents();
    QVERIFY(mw->selectMessage(failed)); // as after a click: Retry and Delete are enabled
    shoot(mw, QSize(1440, 300), u"main-window.png"_s);
}

void TestScreenshots::compose()
{
    auto *w = new ComposeWindow(f->service.get());
    QPointer<ComposeWindow> guard(w);
    w->toField()->setText(u"Bob <bob@example.org>, carol@example.com"_s);
    w->subjectEdit()->setText(u"Minutes of Tuesday's meeting"_s);
    w->bodyEdit()->setPlainText(
        u"Hi Bob, hi Carol,\n\nhere are the minutes of Tuesday's meeting. The next one is on "
        "the 14th at 10:00, same room.\n\n- budget: approved as proposed\n- launch: moved to "
        "the first week of March\n- Carol sends the new figures by Friday\n\nBest,\nAlice"_s);
    QFile pdf(f->dir.filePath(u"minutes-2026-12-01.pdf"_s));
    QVERIFY(pdf.open(QIODevice::WriteOnly));
    pdf.write(QByteArray(48 * 1024, 'x'));
    pdf.close();
    QString error;
    QVERIFY2(w->addAttachmentFile(pdf.fileName(), &error), qPrintable(error));
    w->show();
    QTRY_VERIFY(w->sendButton()->isEnabled());
    shoot(w, QSize(720, 520), u"compose.png"_s);
    delete guard.data();
}

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
