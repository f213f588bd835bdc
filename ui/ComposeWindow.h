#pragma once

#include "Mailto.h"
#include "mime/ComposeWarnings.h"
#include "mime/MessageComposer.h"
#include "mime/ReplyContext.h"
#include "outbox/Service.h"
#include "storage/OutboxTypes.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTextEdit;
class QToolBar;

namespace outpost {
class Service;
}

namespace outpost::ui {

class AddressField;

/// The compose window (design.md §5): From (account and address), To / Cc / Bcc checked as
/// the user types, Subject, a plain-text body or formatted text (bold, italic, lists, links;
/// queued as multipart/alternative text/plain + text/html), attachments (button or drag and
/// drop; each file is read when added, so the message is frozen then; a dropped .eml asks
/// whether to reply to it, queue it or attach it), Send (Ctrl+Return), Send later (a time),
/// Save draft. Warns while composing when the account's server, at its last EHLO, announced
/// a SIZE the message exceeds (and asks before queueing it) or lacked SMTPUTF8 for a
/// non-ASCII local part. Queues through Service::enqueueAsync (composed and written to disk
/// on threads of the core, never this one): the window closes only once the message is
/// durably stored; when the Service refuses, at once or when the write fails (full disk), the
/// reason is shown and everything typed stays. Closing with unsaved text asks first.
class ComposeWindow : public QWidget
{
    Q_OBJECT
public:
    explicit ComposeWindow(Service *service, QWidget *parent = nullptr);

    /// Fills the fields from a mailto: URL (RFC 6068). They count as unsaved (isModified()):
    /// closing the window asks first.
    void applyMailto(const MailtoFields &fields);
    /// Makes this message a reply (RFC 5322 §3.6.4): To, Subject, In-Reply-To and References
    /// from `reply` (see mime::replyContext()); the body is left as it is.
    void applyReply(const mime::ReplyContext &reply);
    /// Reads an .eml file and makes this message a reply to it; false with *error (also shown
    /// in the window) when the file cannot be read or has no address to reply to.
    bool replyToFile(const QString &path, QString *error = nullptr);
    /// Queues an .eml file as it is for the chosen account (Service::enqueueRawAsync); emits
    /// queued() once it is stored (or shows why it could not be). False with *error (also
    /// shown) when it cannot be read or is refused at once.
    bool queueEmlFile(const QString &path, QString *error = nullptr);
    /// Switches between the plain-text editor and the formatted-text editor; the text moves
    /// over (formatting is dropped when switching back to plain text: unticking "Formatted
    /// text" asks first when there is some; this function does not ask).
    void setFormatted(bool on);
    bool isFormatted() const;
    /// What the compose window warns about now (estimated size, addresses typed, the account's
    /// remembered capabilities).
    mime::ComposeWarnings warnings() const;
    /// "Edit (back to draft)": fills the window from a stored message (Service::editMessage).
    /// Send and Save draft then replace that message (Service::replaceMessage, same id);
    /// closing without either leaves it a draft in the outbox.
    void loadMessage(const Service::EditableMessage &message);
    /// The outbox id of the message being edited; 0 for a new message.
    qint64 editingId() const { return m_replaces; }
    /// Reads a file and attaches it; false with *error when it cannot be read.
    bool addAttachmentFile(const QString &path, QString *error = nullptr);
    /// Removes the attachment at `index`.
    void removeAttachment(int index);
    int attachmentCount() const { return int(m_attachments.size()); }

    /// Queues the message (or schedules it when "Send later" is on). True when it was handed to
    /// the outbox (Service::enqueueAsync): the window then takes no input until the message is
    /// durably stored — queued(id) is emitted and the window closes — or could not be: the
    /// reason is shown and everything typed stays (see isStoring()). False, with the reason
    /// shown, when it is refused at once (bad address, no account, no recipient).
    bool send();
    /// Keeps the message in the outbox as a draft; as send(): queued(id) and the window closes
    /// once it is stored.
    bool saveDraft();
    /// True between a send() / saveDraft() that returned true and its outcome.
    bool isStoring() const { return m_storing != 0; }
    /// The app is quitting: unsaved text is stored as a draft when it can be (silently), and
    /// the window no longer asks before closing.
    void keepForQuit();
    /// Closes the window without storing anything (the message it edits could not be taken
    /// back from sending).
    void discard();
    /// Something was typed or attached since the window was filled.
    bool isModified() const;
    /// True when Send would be accepted as far as the fields tell (addresses valid, one
    /// recipient at least, an account chosen).
    bool canSend() const;
    /// The estimated size of the composed message in bytes (base64 attachments included).
    qint64 estimatedSize() const;
    /// The message as it would be queued now (for tests and size checks).
    mime::Draft draft() const;

    // Parts, for tests and accessibility checks.
    QComboBox *accountCombo() const { return m_account; }
    AddressField *fromField() const { return m_from; }
    AddressField *toField() const { return m_to; }
    AddressField *ccField() const { return m_cc; }
    AddressField *bccField() const { return m_bcc; }
    QLineEdit *subjectEdit() const { return m_subject; }
    QPlainTextEdit *bodyEdit() const { return m_body; }
    QTextEdit *richBodyEdit() const { return m_richBody; }
    QCheckBox *formattedBox() const { return m_formatted; }
    QToolBar *formatBar() const { return m_formatBar; }
    QLabel *warningLabel() const { return m_warning; }
    QPushButton *sendButton() const { return m_sendButton; }
    QCheckBox *sendLaterBox() const { return m_sendLater; }
    QDateTimeEdit *sendAtEdit() const { return m_sendAt; }
    QLabel *errorBanner() const { return m_banner; }
    QLabel *sizeLabel() const { return m_sizeLabel; }

signals:
    /// The message was stored (queued, scheduled or draft) with this id.
    void queued(qint64 id);
    /// The user asked to set up an account (there is none).
    void accountsRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    bool store(MessageState state);
    /// The banner text for a message that was not stored.
    QString refusal(MessageState state, const QString &error) const;
    /// Takes no input while a message is being stored (on), and gives it back (off).
    void setStoring(bool on);
    void onStored(quint64 ticket, qint64 id);
    void onStoreFailed(quint64 ticket, const QString &error);
    void fillAccounts();
    void accountChanged();
    void updateState();
    void showError(const QString &text);
    void chooseAttachments();
    QString snapshot() const;
    bool acceptFileDrop(QDropEvent *event);
    void askAboutEml(const QString &path);
    void insertLink();
    bool confirmSize();
    mime::ComposeWarnings warningsFor(qint64 size) const;

    Service *m_service;
    QComboBox *m_account;
    AddressField *m_from;
    AddressField *m_to;
    AddressField *m_cc;
    AddressField *m_bcc;
    QLineEdit *m_subject;
    QPlainTextEdit *m_body;
    QTextEdit *m_richBody;
    QStackedWidget *m_bodyStack;
    QCheckBox *m_formatted;
    QToolBar *m_formatBar;
    QListWidget *m_attachmentList;
    QPushButton *m_removeAttachment;
    QCheckBox *m_sendLater;
    QDateTimeEdit *m_sendAt;
    QPushButton *m_sendButton;
    QPushButton *m_draftButton;
    QLabel *m_banner;
    QLabel *m_sizeLabel;
    QLabel *m_warning;
    QList<mime::Attachment> m_attachments;
    QByteArray m_inReplyTo;
    QList<QByteArray> m_references;
    QStringList m_capabilities; ///< of the chosen account's server at its last EHLO
    bool m_sizeConfirmed = false;
    QString m_lastAccountFrom;
    QString m_baseline;
    qint64 m_replaces = 0;              ///< the stored message this window edits (0: a new one)
    QList<mime::Mailbox> m_keptReplyTo; ///< Reply-To of the edited message (not editable here)
    bool m_done = false;
    QSet<quint64> m_emlTickets; ///< queueEmlFile() requests being written (Service tickets)
    bool m_asking = false;
    quint64 m_storing = 0; ///< the Service ticket of the message being stored, 0 when none
    MessageState m_storingState = MessageState::Queued;
    QPointer<QWidget> m_focusBeforeStoring;
    QList<QPointer<QWidget>> m_disabledForStoring; ///< given back by setStoring(false)
};

} // namespace outpost::ui
