#include "mime/MessageImport.h"
#include <QtTest>
using namespace outpost::mime;
class TestMessageImport : public QObject
{
    Q_OBJECT
private slots:
    void dummy() {}
};
QTEST_GUILESS_MAIN(TestMessageImport)
#include "tst_messageimport.moc"
