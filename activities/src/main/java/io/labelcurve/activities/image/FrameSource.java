package io.labelcurve.activities.image;

import java.io.IOException;
import java.util.Optional;

/**
 * An {@link ImageLoader} that also has the originals as stored 8-bit frames, so that a batch of
 * originals can travel as bytes and be preprocessed where the encoder runs (the frame store).
 */
public interface FrameSource extends ImageLoader {

  /** Side of the frames. */
  int frameSize();

  /** The stored frame of an original's path ({@code frameSize²} bytes), or empty. */
  Optional<byte[]> frame(String path) throws IOException;
}
