#!/usr/bin/python3
"""Generates the TLS test certificates used by tests/support (FakeSmtpServer).

Run with Debian's /usr/bin/python3 (python3-cryptography). The PEM files are committed;
tests never regenerate them. Re-run only to replace them (for example before 2055).

Files written next to this script:
  ca.pem / ca.key                  test CA ("Outpost Test CA"), 30 years
  valid.pem / valid.key            CA-signed, SAN smtp.example.net + smtp2.example.net, 30 years
  wrong-host.pem / wrong-host.key  CA-signed, SAN mail.other.example, 30 years
  self-signed.pem / self-signed.key  self-signed, SAN smtp.example.net + smtp2.example.net
  expired.pem / expired.key        CA-signed, SAN smtp.example.net + smtp2.example.net,
                                   valid 2001-01-01 .. 2002-01-01 only
"""
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
LONG = datetime.timedelta(days=365 * 30)
HOSTS = ["smtp.example.net", "smtp2.example.net"]


def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Outpost tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write(stem, cert, k):
    with open(os.path.join(HERE, stem + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(HERE, stem + ".key"), "wb") as f:
        f.write(k.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))


def leaf(stem, cn, sans, issuer_cert, issuer_key, start, end, self_signed=False):
    k = key()
    b = (x509.CertificateBuilder()
         .subject_name(name(cn))
         .issuer_name(name(cn) if self_signed else issuer_cert.subject)
         .public_key(k.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(start)
         .not_valid_after(end)
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in sans]), False)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
         .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True,
                                      content_commitment=False, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=False, crl_sign=False,
                                      encipher_only=False, decipher_only=False), True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False))
    cert = b.sign(k if self_signed else issuer_key, hashes.SHA256())
    write(stem, cert, k)


def main():
    ca_key = key()
    ca = (x509.CertificateBuilder()
          .subject_name(name("Outpost Test CA"))
          .issuer_name(name("Outpost Test CA"))
          .public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(NOW - datetime.timedelta(days=1))
          .not_valid_after(NOW + LONG)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False,
                                       content_commitment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
          .sign(ca_key, hashes.SHA256()))
    write("ca", ca, ca_key)
    start, end = NOW - datetime.timedelta(days=1), NOW + LONG
    leaf("valid", HOSTS[0], HOSTS, ca, ca_key, start, end)
    leaf("wrong-host", "mail.other.example", ["mail.other.example"], ca, ca_key, start, end)
    leaf("self-signed", HOSTS[0], HOSTS, None, None, start, end, self_signed=True)
    leaf("expired", HOSTS[0], HOSTS, ca, ca_key,
         datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc),
         datetime.datetime(2002, 1, 1, tzinfo=datetime.timezone.utc))


if __name__ == "__main__":
    main()
