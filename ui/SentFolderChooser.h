#pragma once

#include "imap/ImapConfig.h"
#include "imap/ImapResult.h"

#include <QDialog>
#include <QPointer>

class QLabel;
class QListWidget;
class QPushButton;

namespace outpost {
class ImapSession;
}

namespace outpost::ui {

/// "Choose…" of the account form's Sent folder: connects to the account's IMAP server with its
/// credentials (one ImapSession, asynchronously: the dialog opens at once with "Connecting…"),
/// lists the server's mailboxes (LIST with RETURN (SPECIAL-USE), RFC 6154) with the `\Sent` one
/// (else the one found by name) preselected, then LOGs OUT. Mailboxes that cannot hold messages
/// (\Noselect, \NonExistent) are not offered. A failure is shown in plain words
/// (words::imapErrorClass and the server's text). Accept gives chosen().
class SentFolderChooser : public QDialog
{
    Q_OBJECT
public:
    SentFolderChooser(const ImapConfig &config, const QString &current, QWidget *parent = nullptr);
    ~SentFolderChooser() override;

    /// The chosen mailbox's name as the server spells it on the wire (what Account::sentFolder
    /// keeps); empty when none is chosen.
    QString chosen() const;
    QListWidget *folderList() const { return m_list; }
    QLabel *stateLabel() const { return m_state; }

signals:
    /// The list is shown (ok) or the connection failed (the label says why).
    void listed(bool ok);

private:
    void onListed(const ImapListResult &result);
    void fail(const ImapResult &result);

    QPointer<ImapSession> m_session;
    QListWidget *m_list;
    QLabel *m_state;
    QPushButton *m_ok;
    QString m_current;
};

} // namespace outpost::ui
