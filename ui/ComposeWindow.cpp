#include "ComposeWindow.h"

#include "AddressField.h"
#include "Icons.h"
#include "Words.h"
#include "accounts/AccountStore.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <algorithm>

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QStackedWidget>
#include <QTextEdit>
#include <QTextList>
#include <QToolBar>
#include <QVBoxLayout>

#include <utility>

namespace outpost::ui {

namespace {
QString joined(const QStringList &list)
{
    return list.join(QLatin1String(", "));
}

bool hasLocalFiles(const QMimeData *mime)
{
    if (!mime || !mime->hasUrls())
        return false;
    for (const QUrl &u : mime->urls()) {
        if (u.isLocalFile() && QFileInfo(u.toLocalFile()).isFile())
            return true;
    }
    return false;
}

bool isEml(const QUrl &u)
{
    return u.isLocalFile() && u.toLocalFile().endsWith(QLatin1String(".eml"), Qt::CaseInsensitive);
}

QByteArray readSmallFile(const QString &path, QString *error)
{
    // A message replied to or queued as it is: read whole (RFC 5322 messages, not archives).
    QFile f(path);
    if (!QFileInfo(path).isFile() || !f.open(QIODevice::ReadOnly)) {
        *error = f.errorString();
        return {};
    }
    return f.readAll();
}
} // namespace

ComposeWindow::ComposeWindow(Service *service, QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_service(service)
    , m_account(new QComboBox(this))
    , m_from(new AddressField(nullptr, true, this))
    , m_to(new AddressField(service->storage()->addressBook(), false, this))
    , m_cc(new AddressField(service->storage()->addressBook(), false, this))
    , m_bcc(new AddressField(service->storage()->addressBook(), false, this))
    , m_subject(new QLineEdit(this))
    , m_body(new QPlainTextEdit(this))
    , m_richBody(new QTextEdit(this))
    , m_bodyStack(new QStackedWidget(this))
    , m_formatted(new QCheckBox(tr("F&ormatted text"), this))
    , m_formatBar(new QToolBar(this))
    , m_attachmentList(new QListWidget(this))
    , m_removeAttachment(new QPushButton(tr("&Remove"), this))
    , m_sendLater(new QCheckBox(tr("Send &later at"), this))
    , m_sendAt(new QDateTimeEdit(this))
    , m_sendButton(new QPushButton(tr("&Send"), this))
    , m_draftButton(new QPushButton(tr("Save &draft"), this))
    , m_banner(new QLabel(this))
    , m_sizeLabel(new QLabel(this))
    , m_warning(new QLabel(this))
{
    setWindowTitle(tr("New message"));
    setWindowIcon(Icons::app());
    setAttribute(Qt::WA_DeleteOnClose);
    setAcceptDrops(true);
    resize(720, 600);

    m_banner->setObjectName(QStringLiteral("composeError"));
    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    {
        QPalette pal = m_banner->palette();
        pal.setColor(QPalette::Window, QColor(0xfd, 0xec, 0xea));
        pal.setColor(QPalette::WindowText, QColor(0x8a, 0x10, 0x10));
        m_banner->setPalette(pal);
    }
    m_banner->setAccessibleName(tr("Problem"));
    connect(m_banner, &QLabel::linkActivated, this,
            [this](const QString &) { emit accountsRequested(); });

    m_warning->setObjectName(QStringLiteral("composeWarning"));
    m_warning->setWordWrap(true);
    m_warning->setVisible(false);
    m_warning->setTextFormat(Qt::PlainText);
    m_warning->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum); // never clipped
    m_warning->setFrameShape(QFrame::StyledPanel);
    m_warning->setAutoFillBackground(true);
    {
        QPalette pal = m_warning->palette();
        pal.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
        pal.setColor(QPalette::WindowText, QColor(0x5c, 0x40, 0x00));
        m_warning->setPalette(pal);
    }
    m_warning->setAccessibleName(tr("Warning"));

    m_account->setAccessibleName(tr("Account"));
    m_from->setAccessibleName(tr("From"));
    m_from->setRequired(true);
    m_to->setAccessibleName(tr("To"));
    m_cc->setAccessibleName(tr("Cc"));
    m_bcc->setAccessibleName(tr("Bcc"));
    m_subject->setAccessibleName(tr("Subject"));
    m_body->setAccessibleName(tr("Message text"));
    m_attachmentList->setAccessibleName(tr("Attachments"));
    m_sendAt->setAccessibleName(tr("Send at"));
    m_sizeLabel->setAccessibleName(tr("Message size"));
    m_sendButton->setAccessibleName(tr("Send"));
    m_sendButton->setToolTip(tr("Put the message in the outbox (Ctrl+Return)"));
    m_draftButton->setToolTip(tr("Keep the message in the outbox without sending it"));

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *accountLabel = new QLabel(tr("&Account:"), this);
    accountLabel->setBuddy(m_account);
    form->addRow(accountLabel, m_account);
    auto addField = [&](const QString &label, AddressField *f) {
        auto *l = new QLabel(label, this);
        l->setBuddy(f->lineEdit());
        form->addRow(l, f);
    };
    addField(tr("&From:"), m_from);
    addField(tr("&To:"), m_to);
    addField(tr("&Cc:"), m_cc);
    addField(tr("&Bcc:"), m_bcc);
    auto *subjectLabel = new QLabel(tr("S&ubject:"), this);
    subjectLabel->setBuddy(m_subject);
    form->addRow(subjectLabel, m_subject);

    m_body->setTabChangesFocus(true);
    m_body->viewport()->installEventFilter(this);
    m_body->setPlaceholderText(tr("Write your message here."));
    {
        QFont mono = m_body->font();
        mono.setStyleHint(QFont::TypeWriter);
        m_body->setFont(mono);
    }

    m_richBody->setAccessibleName(tr("Formatted message text"));
    m_richBody->setAcceptRichText(true);
    m_richBody->setTabChangesFocus(true);
    m_richBody->viewport()->installEventFilter(this);
    m_richBody->setPlaceholderText(tr("Write your message here."));
    m_bodyStack->addWidget(m_body);
    m_bodyStack->addWidget(m_richBody);
    m_formatted->setToolTip(
        tr("Write with bold, italic, lists and links (sent as HTML with a plain-text copy)"));
    m_formatBar->setObjectName(QStringLiteral("formatBar"));
    m_formatBar->setIconSize(QSize(16, 16));
    m_formatBar->setVisible(false);
    {
        QAction *bold = m_formatBar->addAction(tr("Bold"));
        bold->setObjectName(QStringLiteral("boldAction"));
        bold->setShortcut(QKeySequence::Bold);
        bold->setCheckable(true);
        QFont f = bold->font();
        f.setBold(true);
        bold->setFont(f);
        connect(bold, &QAction::triggered, this, [this](bool on) {
            QTextCharFormat fmt;
            fmt.setFontWeight(on ? QFont::Bold : QFont::Normal);
            m_richBody->mergeCurrentCharFormat(fmt);
        });
        QAction *italic = m_formatBar->addAction(tr("Italic"));
        italic->setObjectName(QStringLiteral("italicAction"));
        italic->setShortcut(QKeySequence::Italic);
        italic->setCheckable(true);
        f = italic->font();
        f.setBold(false);
        f.setItalic(true);
        italic->setFont(f);
        connect(italic, &QAction::triggered, this, [this](bool on) {
            QTextCharFormat fmt;
            fmt.setFontItalic(on);
            m_richBody->mergeCurrentCharFormat(fmt);
        });
        QAction *list = m_formatBar->addAction(tr("List"));
        list->setObjectName(QStringLiteral("listAction"));
        list->setToolTip(tr("Bulleted list"));
        list->setCheckable(true);
        connect(list, &QAction::triggered, this, [this](bool on) {
            QTextCursor c = m_richBody->textCursor();
            if (on) {
                c.createList(QTextListFormat::ListDisc);
            } else if (QTextList *l = c.currentList()) {
                l->remove(c.block());
                QTextBlockFormat bf = c.blockFormat();
                bf.setIndent(0);
                c.setBlockFormat(bf);
            }
        });
        QAction *link = m_formatBar->addAction(tr("Link…"));
        link->setObjectName(QStringLiteral("linkAction"));
        link->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
        connect(link, &QAction::triggered, this, &ComposeWindow::insertLink);
        connect(m_richBody, &QTextEdit::currentCharFormatChanged, this,
                [bold, italic](const QTextCharFormat &fmt) {
                    bold->setChecked(fmt.fontWeight() >= QFont::Bold);
                    italic->setChecked(fmt.fontItalic());
                });
        connect(m_richBody, &QTextEdit::cursorPositionChanged, this, [this, list] {
            list->setChecked(m_richBody->textCursor().currentList() != nullptr);
        });
    }
    connect(m_formatted, &QCheckBox::toggled, this, [this](bool on) {
        // Back to plain text drops bold, lists and links: ask first when there are some.
        const QTextDocument *doc = m_richBody->document();
        if (on || m_asking ||
            doc->toMarkdown().trimmed() == QString(doc->toPlainText()).trimmed()) {
            setFormatted(on);
            return;
        }
        {
            const QSignalBlocker block(m_formatted);
            m_formatted->setChecked(true);
        }
        m_asking = true;
        auto *box = new QMessageBox(QMessageBox::Question, Words::plainTextTitle(),
                                    Words::plainTextQuestion(), QMessageBox::Cancel, this);
        box->setObjectName(QStringLiteral("plainTextQuestion"));
        QPushButton *remove = box->addButton(Words::removeFormatting(), QMessageBox::AcceptRole);
        box->setDefaultButton(QMessageBox::Cancel);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::finished, this, [this, box, remove](int) {
            m_asking = false;
            if (box->clickedButton() == remove)
                setFormatted(false);
        });
        box->open();
    });

    m_attachmentList->setMaximumHeight(90);
    m_attachmentList->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto *addAttachment = new QPushButton(tr("A&ttach files…"), this);
    addAttachment->setAccessibleName(tr("Attach files"));
    m_removeAttachment->setAccessibleName(tr("Remove attachment"));
    m_removeAttachment->setEnabled(false);
    connect(addAttachment, &QPushButton::clicked, this, &ComposeWindow::chooseAttachments);
    connect(m_removeAttachment, &QPushButton::clicked, this, [this] {
        const auto items = m_attachmentList->selectedItems();
        QList<int> rows;
        for (auto *it : items)
            rows << m_attachmentList->row(it);
        std::sort(rows.begin(), rows.end(), std::greater<int>());
        for (int r : rows)
            removeAttachment(r);
    });
    connect(m_attachmentList, &QListWidget::itemSelectionChanged, this, [this] {
        m_removeAttachment->setEnabled(!m_attachmentList->selectedItems().isEmpty());
    });
    auto *attachRow = new QHBoxLayout;
    auto *attachButtons = new QVBoxLayout;
    attachButtons->addWidget(addAttachment);
    attachButtons->addWidget(m_removeAttachment);
    attachButtons->addStretch();
    attachRow->addWidget(m_attachmentList, 1);
    attachRow->addLayout(attachButtons);
    m_attachmentList->setVisible(true);

    m_sendAt->setCalendarPopup(true);
    m_sendAt->setDateTime(QDateTime::currentDateTime().addSecs(3600));
    m_sendAt->setEnabled(false);
    m_sendAt->setDisplayFormat(QLocale().dateTimeFormat(QLocale::ShortFormat));
    connect(m_sendLater, &QCheckBox::toggled, this, [this](bool on) {
        m_sendAt->setEnabled(on);
        m_sendButton->setText(on ? tr("&Schedule") : tr("&Send"));
        if (on && m_sendAt->dateTime() <= QDateTime::currentDateTime())
            m_sendAt->setDateTime(QDateTime::currentDateTime().addSecs(3600));
    });

    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_sendLater);
    bottom->addWidget(m_sendAt);
    bottom->addStretch();
    bottom->addWidget(m_sizeLabel);
    bottom->addSpacing(12);
    bottom->addWidget(m_draftButton);
    bottom->addWidget(m_sendButton);
    m_sendButton->setDefault(false);
    m_sendButton->setAutoDefault(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addLayout(form);
    layout->addWidget(m_warning);
    auto *formatRow = new QHBoxLayout;
    formatRow->addWidget(m_formatted);
    formatRow->addWidget(m_formatBar);
    formatRow->addStretch();
    layout->addLayout(formatRow);
    layout->addWidget(m_bodyStack, 1);
    layout->addLayout(attachRow);
    layout->addLayout(bottom);

    connect(m_sendButton, &QPushButton::clicked, this, &ComposeWindow::send);
    connect(m_draftButton, &QPushButton::clicked, this, &ComposeWindow::saveDraft);
    for (auto seq :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto *sc = new QShortcut(seq, this);
        sc->setContext(Qt::WindowShortcut);
        connect(sc, &QShortcut::activated, this, &ComposeWindow::send);
    }
    auto *closeShortcut = new QShortcut(QKeySequence::Close, this);
    connect(closeShortcut, &QShortcut::activated, this, &QWidget::close);

    for (AddressField *f : {m_from, m_to, m_cc, m_bcc})
        connect(f, &AddressField::textChanged, this, &ComposeWindow::updateState);
    connect(m_subject, &QLineEdit::textChanged, this, [this](const QString &s) {
        setWindowTitle(s.trimmed().isEmpty() ? tr("New message") : s.trimmed());
        updateState();
    });
    connect(m_body, &QPlainTextEdit::textChanged, this, &ComposeWindow::updateState);
    connect(m_richBody, &QTextEdit::textChanged, this, &ComposeWindow::updateState);
    connect(m_account, &QComboBox::currentIndexChanged, this, &ComposeWindow::accountChanged);
    connect(service->accounts(), &AccountStore::changed, this, &ComposeWindow::fillAccounts);
    connect(service, &Service::enqueued, this, &ComposeWindow::onStored);
    connect(service, &Service::enqueueFailed, this, &ComposeWindow::onStoreFailed);

    setTabOrder(m_account, m_from->lineEdit());
    setTabOrder(m_from->lineEdit(), m_to->lineEdit());
    setTabOrder(m_to->lineEdit(), m_cc->lineEdit());
    setTabOrder(m_cc->lineEdit(), m_bcc->lineEdit());
    setTabOrder(m_bcc->lineEdit(), m_subject);
    setTabOrder(m_subject, m_body);
    setTabOrder(m_body, m_richBody);

    fillAccounts();
    m_baseline = snapshot();
    updateState();
    m_to->lineEdit()->setFocus();
}

void ComposeWindow::fillAccounts()
{
    const QString current = m_account->currentData().toString();
    const QSignalBlocker block(m_account);
    m_account->clear();
    const QString def = m_service->accounts()->defaultAccount();
    for (const Account &a : m_service->accounts()->list()) {
        const QString label = a.from.isEmpty() ? a.name : tr("%1 (%2)").arg(a.name, a.from);
        m_account->addItem(label, a.name);
    }
    int idx = m_account->findData(current.isEmpty() ? def : current);
    if (idx < 0)
        idx = m_account->findData(def);
    m_account->setCurrentIndex(idx < 0 ? 0 : idx);
    accountChanged();
}

void ComposeWindow::accountChanged()
{
    const QString name = m_account->currentData().toString();
    const auto account = m_service->accounts()->find(name);
    const QString from = account ? account->from : QString();
    // Follow the account's From address unless the user wrote another one.
    if (m_from->text().trimmed().isEmpty() || m_from->text() == m_lastAccountFrom)
        m_from->setText(from);
    m_lastAccountFrom = from;
    m_capabilities = name.isEmpty() ? QStringList() : m_service->accounts()->lastCapabilities(name);
    if (m_account->count() == 0)
        showError(
            tr("There is no account to send from yet. <a href=\"accounts\">Add an account…</a>"));
    else if (m_banner->text().contains(QLatin1String("href=\"accounts\"")))
        m_banner->setVisible(false);
    updateState();
}

QString ComposeWindow::snapshot() const
{
    QStringList parts{m_to->text(),
                      m_cc->text(),
                      m_bcc->text(),
                      m_subject->text(),
                      isFormatted() ? m_richBody->toHtml() : m_body->toPlainText(),
                      QString::number(m_attachments.size())};
    return parts.join(QChar(0x1f));
}

bool ComposeWindow::isModified() const
{
    return snapshot() != m_baseline;
}

void ComposeWindow::applyMailto(const MailtoFields &fields)
{
    if (!fields.valid)
        return;
    m_to->setText(joined(fields.to));
    m_cc->setText(joined(fields.cc));
    m_bcc->setText(joined(fields.bcc));
    m_subject->setText(fields.subject);
    m_body->setPlainText(fields.body);
    m_inReplyTo = fields.inReplyTo.toUtf8();
    // What the link brought is not stored anywhere yet: it counts as unsaved, so closing
    // (Ctrl+W) asks before it is lost, as for text typed here. The baseline stays the empty
    // window's.
    updateState();
    (fields.to.isEmpty() ? m_to->lineEdit() : static_cast<QWidget *>(m_body))->setFocus();
}

void ComposeWindow::loadMessage(const Service::EditableMessage &message)
{
    m_replaces = message.id;
    const int idx = m_account->findData(message.account);
    if (idx >= 0)
        m_account->setCurrentIndex(idx);
    accountChanged();
    auto format = [](const mime::Mailbox &m) {
        if (m.name.isEmpty())
            return m.address;
        QString name = m.name;
        static const QString specials = QStringLiteral(",;<>\"@()[]:\\");
        if (std::any_of(name.cbegin(), name.cend(), [](QChar c) { return specials.contains(c); })) {
            name.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
            name.replace(QLatin1Char('"'), QLatin1String("\\\""));
            name = QLatin1Char('"') + name + QLatin1Char('"');
        }
        return QStringLiteral("%1 <%2>").arg(name, m.address);
    };
    auto formatList = [&](const QList<mime::Mailbox> &list) {
        QStringList out;
        for (const auto &m : list)
            out << format(m);
        return out.join(QLatin1String(", "));
    };
    m_from->setText(format(message.draft.from));
    m_to->setText(formatList(message.draft.to));
    m_cc->setText(formatList(message.draft.cc));
    m_bcc->setText(formatList(message.draft.bcc));
    m_subject->setText(message.draft.subject);
    m_body->setPlainText(message.draft.textBody);
    m_inReplyTo = message.draft.inReplyTo;
    m_attachments.clear();
    m_attachmentList->clear();
    for (const mime::Attachment &a : message.draft.attachments) {
        m_attachments << a;
        auto *item =
            new QListWidgetItem(tr("%1 (%2)").arg(a.fileName, Words::size(a.content.size())));
        item->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
        m_attachmentList->addItem(item);
    }
    if (message.sendAt.isValid() && message.sendAt > QDateTime::currentDateTime()) {
        m_sendLater->setChecked(true);
        m_sendAt->setDateTime(message.sendAt);
    }
    m_keptReplyTo = message.draft.replyTo;
    setWindowTitle(tr("Edit message"));
    m_baseline = snapshot();
    updateState();
    if (!message.draft.htmlBody.isEmpty())
        showError(tr("This message also had a formatted (HTML) version. Sent again from here, "
                     "it goes as plain text only."));
    m_body->setFocus();
}

bool ComposeWindow::canSend() const
{
    if (m_account->currentIndex() < 0)
        return false;
    for (const AddressField *f : {m_from, m_to, m_cc, m_bcc}) {
        if (!f->isValid())
            return false;
    }
    return !(m_to->mailboxes().isEmpty() && m_cc->mailboxes().isEmpty() &&
             m_bcc->mailboxes().isEmpty());
}

qint64 ComposeWindow::estimatedSize() const
{
    // Headers, the text part (quoted-printable grows non-ASCII text by about a third), and
    // each attachment in base64 (4/3, lines of 76 + CRLF) with its part headers.
    qint64 size = 600;
    for (const AddressField *f : {m_from, m_to, m_cc})
        size += f->text().toUtf8().size() + 10;
    size += m_subject->text().toUtf8().size() * 4 / 3;
    QByteArray body = m_body->toPlainText().toUtf8();
    if (isFormatted()) // the plain copy and the HTML part
        body = m_richBody->toPlainText().toUtf8() + m_richBody->toHtml().toUtf8();
    bool ascii = true;
    for (char c : body) {
        if (uchar(c) >= 0x80) {
            ascii = false;
            break;
        }
    }
    size += ascii ? body.size() + body.count('\n') : body.size() * 4 / 3;
    for (const mime::Attachment &a : m_attachments) {
        const qint64 b64 = (a.content.size() + 2) / 3 * 4;
        size += b64 + b64 / 76 * 2 + 200 + a.fileName.toUtf8().size() * 2;
    }
    return size;
}

void ComposeWindow::updateState()
{
    if (m_storing)
        return; // nothing may be changed or sent until it is stored (setStoring)
    m_sendButton->setEnabled(canSend());
    m_draftButton->setEnabled(m_account->currentIndex() >= 0);
    const qint64 size = estimatedSize();
    m_sizeLabel->setText(tr("Size: about %1").arg(Words::size(size)));
    const mime::ComposeWarnings w = warningsFor(size);
    QStringList text;
    if (w.tooLarge)
        text << Words::tooLargeWarning(size, w.sizeLimit);
    if (!w.needSmtpUtf8.isEmpty())
        text << Words::smtpUtf8Warning(w.needSmtpUtf8);
    m_warning->setText(text.join(QLatin1Char('\n')));
    m_warning->setVisible(!text.isEmpty());
}

mime::ComposeWarnings ComposeWindow::warnings() const
{
    return warningsFor(estimatedSize());
}

mime::ComposeWarnings ComposeWindow::warningsFor(qint64 size) const
{
    QString from;
    if (!m_from->mailboxes().isEmpty())
        from = m_from->mailboxes().first().address;
    QStringList recipients;
    for (const AddressField *f : {m_to, m_cc, m_bcc})
        for (const mime::Mailbox &mb : f->mailboxes())
            recipients << mb.address;
    return mime::composeWarnings(m_capabilities, size, from, recipients);
}

bool ComposeWindow::isFormatted() const
{
    return m_formatted->isChecked();
}

void ComposeWindow::setFormatted(bool on)
{
    if (m_formatted->isChecked() != on) {
        const QSignalBlocker block(m_formatted);
        m_formatted->setChecked(on);
    }
    if (on == (m_bodyStack->currentWidget() == m_richBody))
        return;
    if (on) {
        m_richBody->setPlainText(m_body->toPlainText());
        m_bodyStack->setCurrentWidget(m_richBody);
        m_richBody->setFocus();
    } else {
        m_body->setPlainText(m_richBody->toPlainText());
        m_bodyStack->setCurrentWidget(m_body);
        m_body->setFocus();
    }
    m_formatBar->setVisible(on);
    updateState();
}

void ComposeWindow::insertLink()
{
    QTextCursor c = m_richBody->textCursor();
    bool ok = false;
    const QString url = QInputDialog::getText(this, tr("Link"), tr("Address (URL):"),
                                              QLineEdit::Normal, QStringLiteral("https://"), &ok)
                            .trimmed();
    if (!ok || url.isEmpty())
        return;
    QTextCharFormat fmt;
    fmt.setAnchor(true);
    fmt.setAnchorHref(url);
    fmt.setForeground(palette().color(QPalette::Link));
    fmt.setFontUnderline(true);
    if (c.hasSelection())
        c.mergeCharFormat(fmt);
    else
        c.insertText(url, fmt);
    m_richBody->setTextCursor(c);
}

void ComposeWindow::showError(const QString &text)
{
    m_banner->setText(text);
    m_banner->setVisible(!text.isEmpty());
}

mime::Draft ComposeWindow::draft() const
{
    mime::Draft d;
    const auto from = m_from->mailboxes();
    if (!from.isEmpty())
        d.from = from.first();
    d.to = m_to->mailboxes();
    d.cc = m_cc->mailboxes();
    d.bcc = m_bcc->mailboxes();
    d.subject = m_subject->text();
    if (isFormatted()) {
        // multipart/alternative: the plain copy keeps emphasis, lists and link targets
        // readable as Markdown (CommonMark) marks
        d.textBody = m_richBody->document()->toMarkdown(QTextDocument::MarkdownDialectCommonMark);
        d.htmlBody = m_richBody->toHtml();
    } else {
        d.textBody = m_body->toPlainText();
    }
    d.attachments = m_attachments;
    if (!m_inReplyTo.isEmpty()) {
        d.inReplyTo = m_inReplyTo;
        d.references = m_references.isEmpty() ? QList<QByteArray>{m_inReplyTo} : m_references;
    }
    d.extraHeaders = {{QStringLiteral("User-Agent"),
                       QStringLiteral("Outpost/%1").arg(QLatin1String(OUTPOST_VERSION))}};
    return d;
}

bool ComposeWindow::send()
{
    return store(MessageState::Queued);
}

bool ComposeWindow::saveDraft()
{
    return store(MessageState::Draft);
}

void ComposeWindow::keepForQuit()
{
    if (m_done)
        return;
    if (m_storing) {
        // Being written: the store finishes it before it goes away.
        m_done = true;
        return;
    }
    if (isModified() && !m_account->currentData().toString().isEmpty()) {
        const QString account = m_account->currentData().toString();
        const auto r = m_replaces ? m_service->replaceMessage(m_replaces, account, draft(), {},
                                                              MessageState::Draft)
                                  : m_service->enqueue(account, draft(), {}, MessageState::Draft);
        if (r.ok())
            emit queued(r.id);
    }
    m_done = true;
}

bool ComposeWindow::store(MessageState state)
{
    if (m_storing)
        return false; // the previous Send or Save draft is being written
    const QString account = m_account->currentData().toString();
    if (account.isEmpty()) {
        showError(
            tr("There is no account to send from yet. <a href=\"accounts\">Add an account…</a>"));
        return false;
    }
    for (AddressField *f : {m_from, m_to, m_cc, m_bcc}) {
        if (!f->isValid()) {
            showError(tr("Please correct the address: %1").arg(f->errorText().toHtmlEscaped()));
            f->lineEdit()->setFocus();
            return false;
        }
    }
    if (state == MessageState::Queued && !canSend()) {
        showError(tr("Please add at least one recipient."));
        m_to->lineEdit()->setFocus();
        return false;
    }
    QDateTime sendAt;
    if (state == MessageState::Queued && m_sendLater->isChecked()) {
        sendAt = m_sendAt->dateTime();
        if (sendAt <= QDateTime::currentDateTime()) {
            showError(tr("The time to send the message has already passed."));
            m_sendAt->setFocus();
            return false;
        }
    }
    if (state == MessageState::Queued && !confirmSize())
        return false;
    mime::Draft d = draft();
    if (d.replyTo.isEmpty())
        d.replyTo = m_keptReplyTo;
    // Composed and written by threads of the core: this thread (the GUI's) neither encodes
    // the attachments nor waits for the disk. The window stays, unchangeable, until the
    // message is stored (onStored) or could not be (onStoreFailed: everything typed stays).
    QString error;
    const quint64 ticket =
        m_replaces ? m_service->replaceMessageAsync(m_replaces, account, d, &error, sendAt, state)
                   : m_service->enqueueAsync(account, d, &error, sendAt, state);
    if (!ticket) {
        showError(refusal(state, error));
        return false;
    }
    m_storing = ticket;
    m_storingState = state;
    setStoring(true);
    return true;
}

QString ComposeWindow::refusal(MessageState state, const QString &error) const
{
    return (state == MessageState::Draft ? tr("The draft could not be saved: %1")
                                         : tr("The message could not be queued: %1"))
        .arg(error.toHtmlEscaped());
}

void ComposeWindow::setStoring(bool on)
{
    if (on) {
        m_focusBeforeStoring = focusWidget();
        // Only those enabled now are given back afterwards (Remove, the time of Send later
        // and Send itself have their own rules).
        const auto children = findChildren<QWidget *>(QString(), Qt::FindDirectChildrenOnly);
        for (QWidget *c : children) {
            if (c == m_banner || c->isWindow() || c->testAttribute(Qt::WA_ForceDisabled))
                continue;
            c->setEnabled(false);
            m_disabledForStoring << c;
        }
        return;
    }
    for (const QPointer<QWidget> &c : std::exchange(m_disabledForStoring, {})) {
        if (c)
            c->setEnabled(true);
    }
    updateState();
    if (m_focusBeforeStoring)
        m_focusBeforeStoring->setFocus();
}

void ComposeWindow::onStored(quint64 ticket, qint64 id)
{
    if (m_emlTickets.remove(ticket)) {
        emit queued(id);
        return;
    }
    if (!m_storing || ticket != m_storing)
        return;
    m_storing = 0;
    showError({});
    m_done = true;
    emit queued(id);
    close();
}

void ComposeWindow::onStoreFailed(quint64 ticket, const QString &error)
{
    if (m_emlTickets.remove(ticket)) {
        showError(tr("The message could not be queued: %1").arg(error).toHtmlEscaped());
        return;
    }
    if (!m_storing || ticket != m_storing)
        return;
    m_storing = 0;
    setStoring(false);
    showError(refusal(m_storingState, error));
}

bool ComposeWindow::addAttachmentFile(const QString &path, QString *error)
{
    QFile f(path);
    const QFileInfo info(path);
    if (!info.isFile() || !f.open(QIODevice::ReadOnly)) {
        const QString why =
            tr("The file %1 could not be read: %2").arg(info.fileName(), f.errorString());
        if (error)
            *error = why;
        showError(why.toHtmlEscaped());
        return false;
    }
    mime::Attachment a;
    a.fileName = info.fileName();
    a.content = f.readAll();
    m_attachments << a;
    auto *item = new QListWidgetItem(tr("%1 (%2)").arg(a.fileName, Words::size(a.content.size())));
    item->setToolTip(info.absoluteFilePath());
    item->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
    m_attachmentList->addItem(item);
    updateState();
    return true;
}

void ComposeWindow::removeAttachment(int index)
{
    if (index < 0 || index >= m_attachments.size())
        return;
    m_attachments.removeAt(index);
    delete m_attachmentList->takeItem(index);
    updateState();
}

bool ComposeWindow::confirmSize()
{
    if (m_sizeConfirmed) {
        m_sizeConfirmed = false;
        return true;
    }
    if (mime::composeWarnings(m_capabilities, 0, {}, {}).sizeLimit <= 0)
        return true; // no SIZE known: nothing to compare with
    // The exact size: the message composed as it will be queued.
    const mime::ComposedMessage m = mime::composeMessage(draft());
    if (!m.ok())
        return true; // enqueue says what is wrong
    const mime::ComposeWarnings w = mime::composeWarnings(m_capabilities, m.data.size(), {}, {});
    if (!w.tooLarge || m_asking)
        return !w.tooLarge;
    m_asking = true;
    auto *box = new QMessageBox(QMessageBox::Warning, Words::tooLargeTitle(),
                                Words::tooLargeQuestion(m.data.size(), w.sizeLimit),
                                QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("sizeQuestion"));
    QPushButton *queue = box->addButton(Words::queueAnyway(), QMessageBox::AcceptRole);
    QPushButton *back = box->addButton(Words::goBack(), QMessageBox::RejectRole);
    box->setDefaultButton(back);
    box->setEscapeButton(back);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, queue](int) {
        m_asking = false;
        if (box->clickedButton() == queue) {
            m_sizeConfirmed = true;
            send();
        }
    });
    box->open();
    return false;
}

void ComposeWindow::applyReply(const mime::ReplyContext &reply)
{
    QStringList to;
    for (const mime::Mailbox &mb : reply.to) {
        if (mb.name.isEmpty())
            to << mb.address;
        else
            to << QStringLiteral("\"%1\" <%2>")
                      .arg(QString(mb.name)
                               .replace(u'\\', QLatin1String("\\\\"))
                               .replace(u'"', QLatin1String("\\\"")),
                           mb.address);
    }
    m_to->setText(joined(to));
    m_subject->setText(reply.subject);
    m_inReplyTo = reply.inReplyTo;
    m_references = reply.references;
    updateState();
    (isFormatted() ? static_cast<QWidget *>(m_richBody) : m_body)->setFocus();
}

bool ComposeWindow::replyToFile(const QString &path, QString *error)
{
    QString why;
    const QByteArray raw = readSmallFile(path, &why);
    mime::ReplyContext reply;
    if (why.isEmpty()) {
        reply = mime::replyContext(raw);
        why = reply.error;
    }
    if (!why.isEmpty()) {
        const QString text = Words::replyFileProblem(QFileInfo(path).fileName(), why);
        if (error)
            *error = text;
        showError(text.toHtmlEscaped());
        return false;
    }
    applyReply(reply);
    return true;
}

bool ComposeWindow::queueEmlFile(const QString &path, QString *error)
{
    QString why;
    const QByteArray raw = readSmallFile(path, &why);
    const QString account = m_account->currentData().toString();
    quint64 ticket = 0;
    if (why.isEmpty() && account.isEmpty())
        why = tr("there is no account to send from");
    if (why.isEmpty())
        ticket = m_service->enqueueRawAsync(account, raw, &why);
    if (!why.isEmpty()) {
        const QString text = tr("The message could not be queued: %1").arg(why);
        if (error)
            *error = text;
        showError(text.toHtmlEscaped());
        return false;
    }
    m_emlTickets.insert(ticket); // queued() once it is stored
    return true;
}

void ComposeWindow::discard()
{
    m_done = true;
    close();
}

void ComposeWindow::askAboutEml(const QString &path)
{
    auto *box = new QMessageBox(QMessageBox::Question, Words::emlDropTitle(),
                                Words::emlDropQuestion(QFileInfo(path).fileName()),
                                QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("emlQuestion"));
    QPushButton *reply = box->addButton(Words::replyToIt(), QMessageBox::AcceptRole);
    reply->setObjectName(QStringLiteral("replyButton"));
    QPushButton *queue = box->addButton(Words::queueAsItIs(), QMessageBox::ActionRole);
    queue->setObjectName(QStringLiteral("queueButton"));
    QPushButton *attach = box->addButton(Words::attachIt(), QMessageBox::ActionRole);
    attach->setObjectName(QStringLiteral("attachButton"));
    box->setDefaultButton(reply);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, path, reply, queue, attach](int) {
        QAbstractButton *clicked = box->clickedButton();
        if (clicked == reply)
            replyToFile(path);
        else if (clicked == queue)
            queueEmlFile(path);
        else if (clicked == attach)
            addAttachmentFile(path);
    });
    box->open();
}

void ComposeWindow::chooseAttachments()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Attach files"));
    for (const QString &f : files)
        addAttachmentFile(f);
}

bool ComposeWindow::acceptFileDrop(QDropEvent *event)
{
    if (!hasLocalFiles(event->mimeData()))
        return false;
    for (const QUrl &u : event->mimeData()->urls()) {
        if (!u.isLocalFile() || !QFileInfo(u.toLocalFile()).isFile())
            continue;
        if (isEml(u))
            askAboutEml(u.toLocalFile());
        else
            addAttachmentFile(u.toLocalFile());
    }
    event->acceptProposedAction();
    return true;
}

void ComposeWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (hasLocalFiles(event->mimeData()))
        event->acceptProposedAction();
}

void ComposeWindow::dropEvent(QDropEvent *event)
{
    acceptFileDrop(event);
}

bool ComposeWindow::eventFilter(QObject *watched, QEvent *event)
{
    // Files dropped on the text become attachments instead of their path being typed in.
    if (watched == m_body->viewport() || watched == m_richBody->viewport()) {
        if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
            auto *e = static_cast<QDragMoveEvent *>(event);
            if (hasLocalFiles(e->mimeData())) {
                e->acceptProposedAction();
                return true;
            }
        } else if (event->type() == QEvent::Drop) {
            if (acceptFileDrop(static_cast<QDropEvent *>(event)))
                return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ComposeWindow::closeEvent(QCloseEvent *event)
{
    if (m_storing && !m_done) {
        // Being stored: the window closes itself once the message is safe, or stays with
        // the reason when it could not be written.
        event->ignore();
        return;
    }
    if (m_done || !isModified()) {
        event->accept();
        return;
    }
    event->ignore();
    if (m_asking)
        return;
    m_asking = true;
    auto *box =
        new QMessageBox(QMessageBox::Question, tr("Close message"),
                        tr("This message has not been sent or saved. Save it as a draft?"),
                        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("closeQuestion"));
    box->setDefaultButton(QMessageBox::Save);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box](int) {
        m_asking = false;
        const auto button = box->standardButton(box->clickedButton());
        if (button == QMessageBox::Save) {
            saveDraft();
        } else if (button == QMessageBox::Discard) {
            m_done = true;
            close();
        }
    });
    box->open();
}

} // namespace outpost::ui
