#pragma once

#include "mime/Address.h"

#include <QWidget>

class QCompleter;
class QLabel;
class QLineEdit;
class QStringListModel;

namespace outpost {
class AddressBook;
}

namespace outpost::ui {

/// A line for an address list (To, Cc, Bcc, From) that checks what is typed with
/// mime::parseAddressList as the user types: a bad address gets a red frame and the reason
/// under the field. Completes the address being typed (the part after the last ',' or ';')
/// from the AddressBook (addresses used before).
class AddressField : public QWidget
{
    Q_OBJECT
public:
    /// `store` may be null (no completion). `single`: exactly one mailbox is allowed (From).
    AddressField(const AddressBook *addresses, bool single, QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text);
    /// The parsed mailboxes (empty while invalid).
    QList<mime::Mailbox> mailboxes() const { return m_result.mailboxes; }
    /// True when the text parses (an empty field is valid unless `required`).
    bool isValid() const { return m_error.isEmpty(); }
    /// The reason shown under the field; empty when valid.
    QString errorText() const { return m_error; }
    bool isEmpty() const;
    /// An empty field is an error ("required").
    void setRequired(bool required);
    QLineEdit *lineEdit() const { return m_edit; }
    QLabel *errorLabel() const { return m_errorLabel; }
    /// Sets the accessible name of the line (the label text).
    void setAccessibleName(const QString &name);

signals:
    void validityChanged(bool valid);
    void textChanged();

private:
    void revalidate();
    void updateCompletions(const QString &text);
    void insertCompletion(const QString &completion);

    const AddressBook *m_store;
    bool m_single;
    bool m_required = false;
    QLineEdit *m_edit;
    QLabel *m_errorLabel;
    QCompleter *m_completer = nullptr;
    QStringListModel *m_completions = nullptr;
    mime::AddressListResult m_result;
    QString m_error;
    bool m_touched = false;
};

} // namespace outpost::ui
