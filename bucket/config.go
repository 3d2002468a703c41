package bucket

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// CredentialVars names where the credentials come from, for the messages
// that say they are missing or refused: the variables and the file the
// AWS tools read, in the order they are tried.
const CredentialVars = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), " +
	"or a profile of the shared credentials file (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE)"

// awsEndpoint is AWS S3's global endpoint; the client finds a bucket's
// region from it.
const awsEndpoint = "s3.amazonaws.com"

// Config says how to reach the object store. ConfigFromEnv fills it the way
// the AWS command line and SDKs do, so that one set of variables configures
// them and feedgen alike.
type Config struct {
	// Endpoint is the store's URL for an S3-compatible store (R2, B2,
	// SeaweedFS, MinIO, Garage...), addressed path-style
	// (ENDPOINT/BUCKET/KEY), since such stores rarely have a DNS name per
	// bucket; nil means AWS S3 itself.
	Endpoint *url.URL
	// Region is the region to sign for ("" lets the client ask AWS where
	// the bucket is).
	Region string
	Creds  *credentials.Credentials
	// Transport, when set, carries every request (tests count them).
	Transport http.RoundTripper
	// MaxRetries bounds the attempts of one request that fails with a
	// network error, a 5xx or throttling (503 SlowDown), with a growing
	// delay between them; 0 means the client's default (10).
	MaxRetries int
}

// ConfigFromEnv reads the AWS conventions: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, else the profile
// AWS_PROFILE (default "default") of the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials); AWS_REGION
// (or AWS_DEFAULT_REGION); AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, for
// an S3-compatible store.
func ConfigFromEnv() (Config, error) {
	c := Config{Region: firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")}
	for _, name := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return c, fmt.Errorf("%s=%q: want the store's URL, http(s)://HOST[:PORT]", name, v)
		}
		c.Endpoint = u
		break
	}
	if c.Endpoint != nil && c.Region == "" {
		c.Region = "us-east-1" // what S3-compatible stores expect unless told otherwise
	}
	c.Creds = credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
	})
	return c, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// errNoCredentials says that no credentials were found at all.
var errNoCredentials = errors.New("no credentials for the object store: set " + CredentialVars)

// client makes the S3 client of c. It fails when no credentials are found:
// anonymous requests could at best read a public bucket, never write it.
func (c Config) client() (*minio.Client, error) {
	if c.Creds == nil {
		return nil, errNoCredentials
	}
	v, err := c.Creds.GetWithContext(nil)
	if err != nil {
		return nil, fmt.Errorf("reading the credentials (%s): %w", CredentialVars, err)
	}
	if v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return nil, errNoCredentials
	}
	host, secure, lookup := awsEndpoint, true, minio.BucketLookupAuto
	if c.Endpoint != nil {
		host, secure, lookup = c.Endpoint.Host, c.Endpoint.Scheme == "https", minio.BucketLookupPath
	}
	cl, err := minio.New(host, &minio.Options{
		Creds: c.Creds, Secure: secure, Region: c.Region, BucketLookup: lookup,
		Transport: c.Transport, MaxRetries: c.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("object store client: %w", err)
	}
	return cl, nil
}

// endpointName names the store in the state, so that two stores with a
// bucket of the same name keep apart records.
func (c Config) endpointName() string {
	if c.Endpoint == nil {
		return "https://" + awsEndpoint
	}
	return c.Endpoint.Scheme + "://" + c.Endpoint.Host
}
