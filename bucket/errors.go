package bucket

import (
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// TooManyDeletesError is returned by a run that refused to publish because
// it would have deleted more objects than Options.MaxDeletes allows.
type TooManyDeletesError struct {
	Target  Target
	Deletes int
	Max     int
}

func (e *TooManyDeletesError) Error() string {
	return fmt.Sprintf("%s: publishing would delete %d objects, more than the %d allowed; nothing was deleted",
		e.Target, e.Deletes, e.Max)
}

// codes of the store's refusals that are about who asks, not what: the
// credentials are wrong, expired, or not allowed to write the bucket.
var authCodes = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "AccessDenied": true,
	"InvalidToken": true, "ExpiredToken": true, "TokenRefreshRequired": true,
	"InvalidClientTokenId": true, "AuthorizationHeaderMalformed": true,
}

// fatalError is an error no other request of the run can avoid (refused
// credentials, a missing bucket): the run stops at the first one and says
// it once.
type fatalError struct{ error }

func (e fatalError) Unwrap() error { return e.error }

// storeError describes a failed request in the user's words; refused
// credentials and a missing bucket come back as fatalError.
func storeError(t Target, what string, err error) error {
	var r minio.ErrorResponse
	if !errors.As(err, &r) {
		return fmt.Errorf("%s: %s: %w", t, what, err)
	}
	switch {
	case authCodes[r.Code]:
		return fatalError{fmt.Errorf("%s: the object store refused the credentials (%s: %s): check %s, and that they may write to the bucket",
			t, r.Code, r.Message, CredentialVars)}
	case r.Code == "NoSuchBucket":
		return fatalError{fmt.Errorf("%s: the bucket %q does not exist (feedgen does not create it)", t, t.Bucket)}
	}
	return fmt.Errorf("%s: %s: %w", t, what, err)
}
