package feedcheck

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

func TestCheckImage(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	webp := append([]byte("RIFF\x10\x00\x00\x00WEBPVP8 "), make([]byte, 8)...)
	cases := []struct {
		name string
		body []byte
		ok   bool
	}{
		{"a.png", b.Bytes(), true},
		{"images/A.PNG", b.Bytes(), true},
		{"a.jpg", b.Bytes(), false}, // a PNG named as a JPEG
		{"a.png", []byte("<svg onload=alert(1)>"), false},
		{"a.gif", nil, false},
		{"a.webp", webp, true},
		{"a.webp", b.Bytes(), false},
	}
	for _, c := range cases {
		err := Check(c.name, c.body)
		if (err == nil) != c.ok {
			t.Errorf("Check(%q): %v, want ok %v", c.name, err, c.ok)
		}
	}
}
