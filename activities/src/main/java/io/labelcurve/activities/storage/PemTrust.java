package io.labelcurve.activities.storage;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.http.TlsTrustManagersProvider;

/**
 * Trust for a PEM CA bundle (a private CA's certificate, as deploy/compose/tls.yml makes), which
 * Java 17's trust stores cannot read directly.
 */
public final class PemTrust {
  private PemTrust() {}

  /** The trust managers of every certificate in {@code pem}, named {@code variable} in errors. */
  public static TlsTrustManagersProvider provider(String variable, Path pem) {
    TrustManager[] managers = trustManagers(variable, pem);
    return () -> managers;
  }

  static TrustManager[] trustManagers(String variable, Path pem) {
    try {
      KeyStore store = keyStore(pem);
      if (store.size() == 0) {
        throw new BadInputException(variable + "=" + pem + ": no PEM certificate in it");
      }
      return trusting(store);
    } catch (IOException | GeneralSecurityException e) {
      throw new BadInputException(
          variable + "=" + pem + ": cannot read a CA bundle from it (" + e.getMessage() + ")", e);
    }
  }

  /**
   * A key store holding every certificate of the PEM bundle {@code pem}; empty when it has none.
   */
  public static KeyStore keyStore(Path pem) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      return store;
    }
  }

  /** Trust managers that trust the certificates in {@code store} and no others. */
  public static TrustManager[] trusting(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers();
  }
}
