// The compose window on a real Service (offline, nothing is sent).
#include "AddressField.h"
#include "ComposeWindow.h"
#include "Mailto.h"
#include "UiTestSupport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDateTimeEdit>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringListModel>
#include <QTemporaryFile>
#include <QTextEdit>
#include <QToolBar>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

class TestCompose : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void fromFollowsTheAccount();
    void validation_data();
    void validation();
    void badAddressRefusesSend();
    void queueThroughTheWindow();
    void sendLater();
    void saveDraft();
    void attachmentsAreFrozen();
    void mailtoFillsTheFields();
    void completionFromHistory();
    void closeWithUnsavedTextAsks();
    void enqueueErrorKeepsTheText();
    void shownAsSentOnlyOnceStored();
    void fullDiskKeepsTheText();
    void withoutAccount();
    void formattedTextIsMultipartAlternative();
    void backToPlainTextAsks();
    void sizeOverTheServerLimitAsks();
    void smtpUtf8WarningWhileTyping();
    void noWarningWhenCapabilitiesUnknown();
    void replyToMessageFile();
    void droppedEmlAsksReplyOrQueue();
    void screenshot();

private:
    ComposeWindow *open();
    std::unique_ptr<test::UiFixture> f;
    QPointer<ComposeWindow> w;
};

namespace {

/// The text/plain and text/html parts of a message, as Python's email package
/// (policy.default, run as /usr/bin/python3) reads them.
QJsonObject partsOf(const QByteArray &message)
{
    QProcess p;
    p.start(u"/usr/bin/python3"_s,
            {u"-c"_s,
             u"import sys, json, email, email.policy\n"
             "m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n"
             "def get(kind):\n"
             "    b = m.get_body(preferencelist=(kind,))\n"
             "    return b.get_content() if b is not None else None\n"
             "json.dump({'type': m.get_content_type(), 'plain': get('plain'), "
             "'html': get('html'), 'in_reply_to': str(m.get('In-Reply-To', '')), "
             "'references': str(m.get('References', '')), 'subject': str(m['Subject']), "
             "'to': str(m['To'])}, sys.stdout)\n"_s});
    p.write(message);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        qWarning("python: %s", p.readAllStandardError().constData());
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(content);
    return path;
}

const QByteArray kParent = "From: Bob Builder <bob@example.net>\r\n"
                           "To: Alice Example <alice@example.org>\r\n"
                           "Subject: Re: Plans\r\n"
                           "Date: Thu, 13 Mar 2025 18:00:00 +0000\r\n"
                           "Message-ID: <parent.7@example.net>\r\n"
                           "References: <root.1@example.net>\r\n"
                           "\r\n"
                           "What do you think?\r\n";

} // namespace

void TestCompose::init()
{
    f = std::make_unique<test::UiFixture>();
    QVERIFY(f->open());
}

void TestCompose::cleanup()
{
    delete w.data();
    f.reset();
}

ComposeWindow *TestCompose::open()
{
    w = new ComposeWindow(f->service.get());
    w->show();
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.data()))
        qWarning("compose window not active: shortcuts will not reach it");
    return w;
}

void TestCompose::fromFollowsTheAccount()
{
    open();
    QCOMPARE(w->accountCombo()->currentData().toString(), u"work"_s);
    QCOMPARE(w->fromField()->text(), u"Alice Example <alice@example.org>"_s);
    QVERIFY(w->fromField()->isValid());
    // An empty form cannot be sent, but nothing is shown as wrong yet.
    QVERIFY(!w->sendButton()->isEnabled());
    QVERIFY(!w->toField()->errorLabel()->isVisible());
}

void TestCompose::validation_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("count");
    QTest::newRow("one") << u"bob@example.org"_s << true << 1;
    QTest::newRow("two-comma") << u"bob@example.org, carol@example.org"_s << true << 2;
    QTest::newRow("two-semicolon") << u"bob@example.org; Carol <carol@example.org>"_s << true << 2;
    QTest::newRow("quoted-comma") << u"\"Smith, John\" <john@example.org>"_s << true << 1;
    QTest::newRow("trailing-separator") << u"bob@example.org, "_s << true << 1;
    QTest::newRow("no-at") << u"bob"_s << false << 0;
    QTest::newRow("no-domain") << u"bob@"_s << false << 0;
    QTest::newRow("space") << u"bob smith@example.org"_s << false << 0;
    QTest::newRow("second-bad") << u"bob@example.org, carol@"_s << false << 0;
    QTest::newRow("double-dot") << u"bob..x@example.org"_s << false << 0;
    QTest::newRow("unicode") << u"jörg@bücher.example"_s << true << 1;
}

void TestCompose::validation()
{
    QFETCH(QString, typed);
    QFETCH(bool, valid);
    QFETCH(int, count);
    open();
    bool ascii = true;
    for (QChar c : typed)
        ascii = ascii && c.unicode() < 0x80;
    if (ascii)
        QTest::keyClicks(w->toField()->lineEdit(), typed); // key by key, as typed
    else
        w->toField()->lineEdit()->insert(typed); // QTest types Latin-1 keys only
    QCOMPARE(w->toField()->text(), typed);
    QCOMPARE(w->toField()->isValid(), valid);
    QCOMPARE(w->toField()->mailboxes().size(), count);
    QCOMPARE(w->toField()->errorLabel()->isVisible(), !valid);
    QCOMPARE(w->toField()->errorLabel()->text().isEmpty(), valid);
    QCOMPARE(w->sendButton()->isEnabled(), valid);
}

void TestCompose::badAddressRefusesSend()
{
    open();
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org, not an address"_s);
    QVERIFY(!w->toField()->isValid());
    QVERIFY(w->toField()->errorLabel()->text().contains(u"not an address"_s));
    QVERIFY(!w->sendButton()->isEnabled());
    // The keyboard shortcut is refused too, with the reason shown, and nothing is queued.
    QTest::keyClick(w->bodyEdit(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(w);
    QVERIFY(w->isVisible());
    QVERIFY(w->errorBanner()->isVisible());
    QCOMPARE(f->service->outbox()->count(), 0);
    QVERIFY(!w->send());
    QCOMPARE(f->service->outbox()->count(), 0);
}

void TestCompose::queueThroughTheWindow()
{
    open();
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QTest::keyClicks(w->toField()->lineEdit(), u"Bob <bob@example.org>, carol@example.org"_s);
    QTest::keyClicks(w->ccField()->lineEdit(), u"dave@example.org"_s);
    QTest::keyClicks(w->bccField()->lineEdit(), u"erin@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Lunch on Friday"_s);
    QTest::keyClicks(w->bodyEdit(), u"Shall we?"_s);
    QVERIFY(w->sendButton()->isEnabled());
    QTest::keyClick(w->bodyEdit(), Qt::Key_Return, Qt::ControlModifier);
    QTRY_COMPARE(queued.count(), 1);
    QTRY_VERIFY(!w); // closed and deleted
    const qint64 id = queued.at(0).at(0).toLongLong();

    const OutboxReader *store = f->service->outbox();
    QCOMPARE(store->count(), 1);
    QCOMPARE(store->count(MessageState::Queued), 1);
    const auto m = store->message(id);
    QVERIFY(m);
    QCOMPARE(m->state, MessageState::Queued);
    QCOMPARE(m->account, u"work"_s);
    QCOMPARE(m->subject, u"Lunch on Friday"_s);
    QCOMPARE(m->reversePath, QByteArray("alice@example.org"));
    QList<QByteArray> rcpts;
    for (const auto &r : m->recipients)
        rcpts << r.address;
    QCOMPARE(rcpts, (QList<QByteArray>{"bob@example.org", "carol@example.org", "dave@example.org",
                                       "erin@example.org"}));
    QVERIFY(m->toText.contains(u"bob@example.org"_s));
    QVERIFY(m->toText.contains(u"dave@example.org"_s));
    QVERIFY(!m->toText.contains(u"erin"_s)); // Bcc stays out of the visible recipients
    const QByteArray data = store->messageData(id);
    QVERIFY(data.contains("Subject: Lunch on Friday\r\n"));
    QVERIFY(data.contains("Shall we?"));
    QVERIFY(!data.contains("erin@example.org"));
}

void TestCompose::sendLater()
{
    open();
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    w->sendLaterBox()->setChecked(true);
    QVERIFY(w->sendAtEdit()->isEnabled());
    const QDateTime at = QDateTime::currentDateTime().addSecs(7200);
    w->sendAtEdit()->setDateTime(at);
    QVERIFY(w->send());
    QTRY_COMPARE(queued.count(), 1);
    const auto s = f->service->outbox()->summary(queued.at(0).at(0).toLongLong());
    QVERIFY(s);
    QCOMPARE(s->state, MessageState::Queued);
    QVERIFY(s->sendAt.isValid());
    QVERIFY(qAbs(s->sendAt.secsTo(w ? w->sendAtEdit()->dateTime() : at)) <= 60);
}

void TestCompose::saveDraft()
{
    open();
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Half-written"_s);
    QVERIFY(w->saveDraft());
    QTRY_COMPARE(queued.count(), 1);
    QCOMPARE(f->service->outbox()->count(MessageState::Draft), 1);
    QCOMPARE(f->service->outbox()->count(MessageState::Queued), 0);
}

void TestCompose::attachmentsAreFrozen()
{
    open();
    QTemporaryDir tmp;
    const QString path = tmp.filePath(u"report.txt"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("attachment content 12345");
    }
    const qint64 before = w->estimatedSize();
    QVERIFY(w->addAttachmentFile(path));
    QCOMPARE(w->attachmentCount(), 1);
    QVERIFY(w->estimatedSize() > before);
    QVERIFY(w->isModified());
    QString error;
    QVERIFY(!w->addAttachmentFile(tmp.filePath(u"missing.bin"_s), &error));
    QVERIFY(!error.isEmpty());
    QCOMPARE(w->attachmentCount(), 1);
    // The file is read when added: changing it afterwards changes nothing.
    QVERIFY(QFile::remove(path));
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QVERIFY(w->send());
    QTRY_COMPARE(queued.count(), 1);
    const QByteArray data = f->service->outbox()->messageData(queued.at(0).at(0).toLongLong());
    QVERIFY(data.contains("report.txt"));
    QVERIFY(data.contains(QByteArray("attachment content 12345").toBase64()));
}

void TestCompose::mailtoFillsTheFields()
{
    open();
    w->applyMailto(parseMailto(QUrl(
        u"mailto:bob@example.org?cc=carol@example.org&subject=Hello%20there&body=Line%201%0D%0ALine%202"_s)));
    QCOMPARE(w->toField()->text(), u"bob@example.org"_s);
    QCOMPARE(w->ccField()->text(), u"carol@example.org"_s);
    QCOMPARE(w->subjectEdit()->text(), u"Hello there"_s);
    QCOMPARE(w->bodyEdit()->toPlainText(), u"Line 1\nLine 2"_s);
    QVERIFY(w->isModified()); // what the link brought is stored nowhere yet: closing asks
    QVERIFY(w->sendButton()->isEnabled());
}

void TestCompose::completionFromHistory()
{
    f->service->storage()->writeNow([&](StorageWriter &w) {
        w.addresses.remember({u"bob.builder@example.org"_s, u"bob@example.org"_s});
    });
    open();
    QTest::keyClicks(w->toField()->lineEdit(), u"carol@example.org, bo"_s);
    auto *completer = w->toField()->findChild<QCompleter *>();
    QVERIFY(completer);
    auto *model = qobject_cast<QStringListModel *>(completer->model());
    QVERIFY(model);
    QStringList got = model->stringList();
    got.sort();
    QCOMPARE(got, (QStringList{u"bob.builder@example.org"_s, u"bob@example.org"_s}));
    emit completer->activated(u"bob@example.org"_s);
    QCOMPARE(w->toField()->text(), u"carol@example.org, bob@example.org, "_s);
    QVERIFY(w->toField()->isValid());
    QCOMPARE(w->toField()->mailboxes().size(), 2);
}

void TestCompose::closeWithUnsavedTextAsks()
{
    open();
    QTest::keyClicks(w->bodyEdit(), u"Some words"_s);
    QVERIFY(w->isModified());
    w->close();
    QVERIFY(w);
    QVERIFY(w->isVisible());
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"closeQuestion"_s)));
    // Cancel keeps the window and the text.
    test::clickButton(box, QMessageBox::Cancel);
    QVERIFY(w && w->isVisible());
    QCOMPARE(w->bodyEdit()->toPlainText(), u"Some words"_s);
    // Discard closes without storing anything.
    w->close();
    QTRY_VERIFY((box = test::findMessageBox(u"closeQuestion"_s)));
    test::clickButton(box, QMessageBox::Discard);
    QTRY_VERIFY(!w);
    QCOMPARE(f->service->outbox()->count(), 0);
}

void TestCompose::enqueueErrorKeepsTheText()
{
    open();
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Kept"_s);
    QTest::keyClicks(w->bodyEdit(), u"Body kept"_s);
    // The Service refuses: the account disappeared behind the window's back (another process).
    w->accountCombo()->blockSignals(true);
    f->service->accounts()->blockSignals(true);
    QString error;
    QVERIFY(f->service->accounts()->remove(u"work"_s, &error));
    f->service->accounts()->blockSignals(false);
    QVERIFY(!w->send());
    QVERIFY(w);
    QVERIFY(w->errorBanner()->isVisible());
    QVERIFY(w->errorBanner()->text().contains(u"work"_s));
    QCOMPARE(w->toField()->text(), u"bob@example.org"_s);
    QCOMPARE(w->subjectEdit()->text(), u"Kept"_s);
    QCOMPARE(w->bodyEdit()->toPlainText(), u"Body kept"_s);
    QCOMPARE(f->service->outbox()->count(), 0);
    w->accountCombo()->blockSignals(false);
}

void TestCompose::shownAsSentOnlyOnceStored()
{
    open();
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QSignalSpy stored(f->service.get(), &Service::enqueued);
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Stored first"_s);
    QVERIFY(w->send());
    // Handed to the outbox's writer thread: not stored yet, so not shown as queued, the
    // window open and taking no input (nor a second Send, nor closing).
    QVERIFY(w->isStoring());
    QCOMPARE(queued.count(), 0);
    QCOMPARE(f->service->outbox()->count(), 0);
    QVERIFY(!w->sendButton()->isEnabled());
    QVERIFY(!w->subjectEdit()->isEnabled());
    QVERIFY(!w->send());
    w->close();
    QVERIFY(w && w->isVisible());
    QVERIFY(stored.wait());
    QCOMPARE(queued.count(), 1);
    QCOMPARE(queued.at(0).at(0).toLongLong(), stored.at(0).at(1).toLongLong());
    QTRY_VERIFY(!w); // closed once stored
    const auto s = f->service->outbox()->summary(stored.at(0).at(1).toLongLong());
    QVERIFY(s);
    QCOMPARE(s->subject, u"Stored first"_s);
    QCOMPARE(f->service->outbox()->count(), 1);
}

void TestCompose::fullDiskKeepsTheText()
{
    // A message already queued, then a "disk" with room for nothing more for the outbox's
    // storage thread (SQLite's max_page_count on its connection).
    mime::Draft earlier;
    earlier.from = {{}, u"alice@example.org"_s};
    earlier.to = {{{}, u"carol@example.org"_s}};
    earlier.subject = u"Queued before"_s;
    const auto before = f->service->enqueue(u"work"_s, earlier);
    QVERIFY(before.ok());
    f->service->storage()->writeNow([](StorageWriter &w) {
        QSqlQuery q(w.db.db());
        if (q.exec(u"PRAGMA page_count"_s) && q.next())
            q.exec(u"PRAGMA max_page_count = %1"_s.arg(q.value(0).toInt()));
    });
    open();
    QTemporaryDir tmp;
    const QString path = writeFile(tmp, u"big.bin"_s, QByteArray(300 * 1024, 'z'));
    QVERIFY(w->addAttachmentFile(path));
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Kept on a full disk"_s);
    QTest::keyClicks(w->bodyEdit(), u"Every word"_s);
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QSignalSpy failed(f->service.get(), &Service::enqueueFailed);
    QVERIFY(w->send());
    QVERIFY(failed.wait());
    // The reason is shown, everything typed and attached stays, and the window works again.
    QVERIFY(w);
    QVERIFY(w->isVisible());
    QVERIFY(!w->isStoring());
    QCOMPARE(queued.count(), 0);
    QVERIFY(w->errorBanner()->isVisible());
    QVERIFY2(w->errorBanner()->text().contains(u"could not be queued"_s),
             qPrintable(w->errorBanner()->text()));
    QVERIFY2(w->errorBanner()->text().contains(u"full"_s), qPrintable(w->errorBanner()->text()));
    QCOMPARE(w->toField()->text(), u"bob@example.org"_s);
    QCOMPARE(w->subjectEdit()->text(), u"Kept on a full disk"_s);
    QCOMPARE(w->bodyEdit()->toPlainText(), u"Every word"_s);
    QCOMPARE(w->attachmentCount(), 1);
    QVERIFY(w->subjectEdit()->isEnabled());
    QVERIFY(w->sendButton()->isEnabled());
    QVERIFY(w->isModified()); // closing still asks
    // Nothing already queued is lost, nothing of the new one half-written.
    QCOMPARE(f->service->outbox()->count(), 1);
    QCOMPARE(f->service->outbox()->summary(before.id)->subject, u"Queued before"_s);
    // Save draft hits the same wall and says so in its own words.
    QVERIFY(w->saveDraft());
    QTRY_COMPARE(failed.count(), 2);
    QVERIFY2(w->errorBanner()->text().contains(u"draft could not be saved"_s),
             qPrintable(w->errorBanner()->text()));
    QCOMPARE(f->service->outbox()->count(), 1);
}

void TestCompose::withoutAccount()
{
    f = std::make_unique<test::UiFixture>();
    QVERIFY(f->open(false));
    open();
    QSignalSpy wanted(w.data(), &ComposeWindow::accountsRequested);
    QCOMPARE(w->accountCombo()->count(), 0);
    QVERIFY(w->errorBanner()->isVisible());
    QVERIFY(w->errorBanner()->text().contains(u"no account"_s));
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QVERIFY(!w->sendButton()->isEnabled());
    QVERIFY(!w->send());
    emit w->errorBanner()->linkActivated(u"accounts"_s);
    QCOMPARE(wanted.count(), 1);
    // An account appears (added in the dialog): the window takes it at once.
    Account a;
    a.name = u"new"_s;
    a.host = u"127.0.0.1"_s;
    a.port = test::closedPort();
    a.security = Security::None;
    a.auth = u"none"_s;
    a.from = u"new@example.org"_s;
    QString error;
    QVERIFY(f->service->accounts()->add(a, &error));
    QCOMPARE(w->accountCombo()->count(), 1);
    QCOMPARE(w->fromField()->text(), u"new@example.org"_s);
    QVERIFY(!w->errorBanner()->isVisible());
    QVERIFY(w->sendButton()->isEnabled());
}

void TestCompose::formattedTextIsMultipartAlternative()
{
    open();
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QTest::keyClicks(w->subjectEdit(), u"Formatted"_s);
    QTest::keyClicks(w->bodyEdit(), u"Hello "_s);
    w->formattedBox()->click();
    QVERIFY(w->isFormatted());
    QVERIFY(w->richBodyEdit()->isVisible());
    QVERIFY(w->formatBar()->isVisible());
    QCOMPARE(w->richBodyEdit()->toPlainText(), u"Hello "_s); // the text moved over
    QTextEdit *edit = w->richBodyEdit();
    edit->moveCursor(QTextCursor::End);
    auto *bold = w->formatBar()->findChild<QAction *>(u"boldAction"_s);
    auto *list = w->formatBar()->findChild<QAction *>(u"listAction"_s);
    QVERIFY(bold && list);
    bold->trigger();
    QTest::keyClicks(edit, u"world"_s);
    bold->trigger();
    QTest::keyClick(edit, Qt::Key_Return);
    list->trigger();
    QTest::keyClicks(edit, u"first"_s);
    QTest::keyClick(edit, Qt::Key_Return);
    QTest::keyClicks(edit, u"second"_s);
    QVERIFY(w->send());
    QTRY_COMPARE(queued.count(), 1);
    const QByteArray data = f->service->outbox()->messageData(queued.at(0).at(0).toLongLong());
    const QJsonObject p = partsOf(data);
    QCOMPARE(p.value(u"type"_s).toString(), u"multipart/alternative"_s);
    const QString plain = p.value(u"plain"_s).toString();
    const QString html = p.value(u"html"_s).toString();
    QVERIFY2(plain.contains(u"Hello **world**"_s), qPrintable(plain));
    QVERIFY2(plain.contains(u"- first\r\n"_s) && plain.contains(u"- second"_s), qPrintable(plain));
    QVERIFY2(html.contains(u"font-weight:700;\">world</span>"_s), qPrintable(html));
    QVERIFY2(html.contains(u">first</li>"_s) && html.contains(u">second</li>"_s), qPrintable(html));
    QVERIFY(!html.contains(u"**"_s));
}

void TestCompose::backToPlainTextAsks()
{
    open();
    w->formattedBox()->click();
    QTextEdit *edit = w->richBodyEdit();
    QTest::keyClicks(edit, u"plain words "_s);
    // No formatting: back to plain text at once.
    w->formattedBox()->click();
    QVERIFY(!w->isFormatted());
    QVERIFY(!test::findMessageBox(u"plainTextQuestion"_s));
    QCOMPARE(w->bodyEdit()->toPlainText(), u"plain words "_s);
    // With bold: asked; Cancel keeps the formatting, Remove formatting keeps the words.
    w->formattedBox()->click();
    edit->moveCursor(QTextCursor::End);
    w->formatBar()->findChild<QAction *>(u"boldAction"_s)->trigger();
    QTest::keyClicks(edit, u"bold"_s);
    w->formattedBox()->click();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"plainTextQuestion"_s)));
    QVERIFY(w->isFormatted());
    test::clickButton(box, QMessageBox::Cancel);
    QTRY_VERIFY(!test::findMessageBox(u"plainTextQuestion"_s));
    QVERIFY(w->isFormatted());
    QVERIFY(edit->toHtml().contains(u"font-weight:700"_s));
    w->formattedBox()->click();
    QTRY_VERIFY((box = test::findMessageBox(u"plainTextQuestion"_s)));
    for (QAbstractButton *b : box->buttons())
        if (box->buttonRole(b) == QMessageBox::AcceptRole)
            b->click();
    QTRY_VERIFY(!w->isFormatted());
    QCOMPARE(w->bodyEdit()->toPlainText(), u"plain words bold"_s);
}

void TestCompose::sizeOverTheServerLimitAsks()
{
    f->service->accounts()->setLastCapabilities(u"work"_s, {u"PIPELINING"_s, u"SIZE 4000"_s});
    open();
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QTest::keyClicks(w->toField()->lineEdit(), u"bob@example.org"_s);
    QVERIFY(!w->warningLabel()->isVisible());
    QTemporaryDir tmp;
    QVERIFY(w->addAttachmentFile(writeFile(tmp, u"big.bin"_s, QByteArray(6000, 'b'))));
    QVERIFY(w->warnings().tooLarge);
    QCOMPARE(w->warnings().sizeLimit, 4000);
    QVERIFY(w->warningLabel()->isVisible());
    QVERIFY2(w->warningLabel()->text().contains(u"larger than"_s),
             qPrintable(w->warningLabel()->text()));
    // Send asks; Go back keeps the window and queues nothing.
    QVERIFY(!w->send());
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"sizeQuestion"_s)));
    QVERIFY(box->text().contains(u"at most"_s));
    box->escapeButton()->click();
    QTRY_VERIFY(!test::findMessageBox(u"sizeQuestion"_s));
    QVERIFY(w && w->isVisible());
    QCOMPARE(f->service->outbox()->count(), 0);
    // Queue anyway queues it.
    QVERIFY(!w->send());
    QTRY_VERIFY((box = test::findMessageBox(u"sizeQuestion"_s)));
    QAbstractButton *anyway = nullptr;
    for (QAbstractButton *b : box->buttons())
        if (box->buttonRole(b) == QMessageBox::AcceptRole)
            anyway = b;
    QVERIFY(anyway);
    anyway->click();
    QTRY_COMPARE(queued.count(), 1);
    QCOMPARE(f->service->outbox()->count(MessageState::Queued), 1);
}

void TestCompose::smtpUtf8WarningWhileTyping()
{
    f->service->accounts()->setLastCapabilities(u"work"_s, {u"8BITMIME"_s, u"SIZE 35882577"_s});
    open();
    w->toField()->lineEdit()->insert(u"bob@example.org, j\u00F6ran@example.net"_s);
    QVERIFY(w->warningLabel()->isVisible());
    QVERIFY2(w->warningLabel()->text().contains(u"SMTPUTF8"_s),
             qPrintable(w->warningLabel()->text()));
    QVERIFY(w->warningLabel()->text().contains(u"j\u00F6ran@example.net"_s));
    QCOMPARE(w->warnings().needSmtpUtf8, QStringList{u"j\u00F6ran@example.net"_s});
    // A Unicode domain alone needs nothing: the warning goes as the address is corrected.
    w->toField()->setText(u"bob@example.org, joran@b\u00FCcher.example"_s);
    QVERIFY(!w->warningLabel()->isVisible());
    // The same server with SMTPUTF8: no warning.
    f->service->accounts()->setLastCapabilities(u"work"_s, {u"SMTPUTF8"_s});
    delete w.data();
    open();
    w->toField()->lineEdit()->insert(u"j\u00F6ran@example.net"_s);
    QVERIFY(!w->warningLabel()->isVisible());
}

void TestCompose::noWarningWhenCapabilitiesUnknown()
{
    open(); // the account never connected
    w->toField()->lineEdit()->insert(u"j\u00F6ran@example.net"_s);
    QTemporaryDir tmp;
    QVERIFY(w->addAttachmentFile(writeFile(tmp, u"big.bin"_s, QByteArray(60000, 'b'))));
    QVERIFY(!w->warnings().any());
    QVERIFY(!w->warningLabel()->isVisible());
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QVERIFY(w->send()); // no question
    QTRY_COMPARE(queued.count(), 1);
}

void TestCompose::replyToMessageFile()
{
    open();
    QTemporaryDir tmp;
    QString error;
    QVERIFY(!w->replyToFile(tmp.filePath(u"missing.eml"_s), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(w->errorBanner()->isVisible());
    QVERIFY(
        !w->replyToFile(writeFile(tmp, u"bad.eml"_s, "Subject: x\r\n\r\nno sender\r\n"), &error));
    QVERIFY(w->replyToFile(writeFile(tmp, u"parent.eml"_s, kParent), &error));
    QCOMPARE(w->toField()->mailboxes().size(), 1);
    QCOMPARE(w->toField()->mailboxes().first().name, u"Bob Builder"_s);
    QCOMPARE(w->toField()->mailboxes().first().address, u"bob@example.net"_s);
    QCOMPARE(w->subjectEdit()->text(), u"Re: Plans"_s);
    const mime::Draft d = w->draft();
    QCOMPARE(d.inReplyTo, QByteArray("parent.7@example.net"));
    QCOMPARE(d.references, (QList<QByteArray>{"root.1@example.net", "parent.7@example.net"}));
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    QTest::keyClicks(w->bodyEdit(), u"Sounds good."_s);
    QVERIFY(w->send());
    QTRY_COMPARE(queued.count(), 1);
    const QJsonObject p =
        partsOf(f->service->outbox()->messageData(queued.at(0).at(0).toLongLong()));
    QCOMPARE(p.value(u"subject"_s).toString(), u"Re: Plans"_s);
    QCOMPARE(p.value(u"in_reply_to"_s).toString(), u"<parent.7@example.net>"_s);
    QCOMPARE(p.value(u"references"_s).toString(), u"<root.1@example.net> <parent.7@example.net>"_s);
    QCOMPARE(p.value(u"to"_s).toString(), u"Bob Builder <bob@example.net>"_s);
}

void TestCompose::droppedEmlAsksReplyOrQueue()
{
    open();
    QTemporaryDir tmp;
    const QString path = writeFile(tmp, u"parent.eml"_s, kParent);
    auto drop = [&] {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDropEvent event(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        // straight to the window (QApplication delivers drops only to a real drag's target)
        static_cast<QObject *>(w.data())->event(&event);
    };
    // Reply: the fields are filled, nothing attached.
    drop();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = test::findMessageBox(u"emlQuestion"_s)));
    box->findChild<QPushButton *>(u"replyButton"_s)->click();
    QTRY_COMPARE(w->subjectEdit()->text(), u"Re: Plans"_s);
    QCOMPARE(w->attachmentCount(), 0);
    // Queue: the file goes to the outbox as it is.
    QSignalSpy queued(w.data(), &ComposeWindow::queued);
    drop();
    QTRY_VERIFY((box = test::findMessageBox(u"emlQuestion"_s)));
    box->findChild<QPushButton *>(u"queueButton"_s)->click();
    QTRY_COMPARE(queued.count(), 1);
    const QByteArray stored = f->service->outbox()->messageData(queued.at(0).at(0).toLongLong());
    QVERIFY(stored.contains("Message-ID: <parent.7@example.net>"));
    QVERIFY(w && w->isVisible()); // the reply being written stays open
    // Attach: as any other file.
    drop();
    QTRY_VERIFY((box = test::findMessageBox(u"emlQuestion"_s)));
    box->findChild<QPushButton *>(u"attachButton"_s)->click();
    QTRY_COMPARE(w->attachmentCount(), 1);
}

void TestCompose::screenshot()
{
    open();
    w->resize(760, 620);
    QTest::keyClicks(w->toField()->lineEdit(), u"Bob <bob@example.org>, carol@"_s);
    QTest::keyClicks(w->subjectEdit(), u"Quarterly report"_s);
    w->bodyEdit()->setPlainText(u"Hello Bob,\n\nthe report is attached.\n\nAlice"_s);
    QTemporaryDir tmp;
    const QString path = tmp.filePath(u"report.pdf"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(40000, 'x'));
    }
    QVERIFY(w->addAttachmentFile(path));
    QVERIFY(QTest::qWaitForWindowExposed(w.data()));
    const QString shot = test::saveScreenshot(w.data(), u"compose-window.png"_s);
    QVERIFY2(!shot.isEmpty(), "screenshot not written");
    QVERIFY(QImage(shot).width() >= 700);
    qInfo("screenshot: %s", qPrintable(shot));

    // Formatted text, with the warnings the last EHLO of the account's server calls for.
    delete w.data();
    f->service->accounts()->setLastCapabilities(u"work"_s, {u"SIZE 30000"_s});
    open();
    w->resize(760, 620);
    w->toField()->lineEdit()->insert(u"Bob <bob@example.org>, j\u00F6ran@example.net"_s);
    QTest::keyClicks(w->subjectEdit(), u"Quarterly report"_s);
    w->setFormatted(true);
    w->richBodyEdit()->setHtml(
        u"<p>Hello Bob,</p><p>the <b>final</b> figures are <i>attached</i>:</p>"
        "<ul><li>revenue</li><li>costs</li></ul><p><a href=\"https://example.org\">details</a>"
        "</p>"_s);
    QVERIFY(w->addAttachmentFile(path));
    QLabel *warning = w->warningLabel();
    QVERIFY(warning->isVisible());
    QVERIFY(QTest::qWaitForWindowExposed(w.data()));
    // the whole warning is shown, not clipped
    QTRY_VERIFY2(warning->height() >= warning->heightForWidth(warning->width()),
                 qPrintable(QString::number(warning->height())));
    const QString shot2 = test::saveScreenshot(w.data(), u"compose-formatted.png"_s);
    QVERIFY2(!shot2.isEmpty(), "screenshot not written");
    qInfo("screenshot: %s", qPrintable(shot2));
}

QTEST_MAIN(TestCompose)
#include "tst_compose.moc"
