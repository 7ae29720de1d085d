package io.labelcurve.activities.image;

import java.io.IOException;

/**
 * Gives the protocol's 256×256 grey image of an image id: an original frame ({@code
 * path/in/manifest.png}) or an augmented variant ({@code path/in/manifest.png#v1} … {@code #v4}).
 * Thread-safe: extraction decodes in parallel.
 */
@FunctionalInterface
public interface ImageLoader {
  GreyImage load(String imageId) throws IOException;
}
