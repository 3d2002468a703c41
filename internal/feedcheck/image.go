package feedcheck

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // registers the GIF decoder for CheckImage
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"path"
	"strings"
)

// CheckImage validates body as the image its name's extension says: a
// PNG, JPEG or GIF whose header decodes, with a size, in the format the
// extension names (a browser trusts the Content-Type that the extension
// gives); a WebP file by its RIFF header, which the standard library does
// not decode.
func CheckImage(name string, body []byte) error {
	ext := strings.ToLower(path.Ext(name))
	if ext == ".webp" {
		if len(body) < 16 || !bytes.Equal(body[:4], []byte("RIFF")) || !bytes.Equal(body[8:12], []byte("WEBP")) {
			return fmt.Errorf("image: %s: not a WebP file", name)
		}
		return nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("image: %s: %w", name, err)
	}
	want := map[string]string{".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif"}[ext]
	if format != want {
		return fmt.Errorf("image: %s: a %s file named %s", name, format, ext)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("image: %s: no size (%dx%d)", name, cfg.Width, cfg.Height)
	}
	return nil
}
