"""Amazon S3 (and S3-compatible stores: moto server, MinIO, R2 ...) as a blob store, through ``boto3``.

One :class:`S3Store` is one bucket. Credentials are passed explicitly (from
:class:`imgworker.config.Settings`: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``) or, when omitted, found by boto3's default chain. ``endpoint_url``
(``S3_ENDPOINT_URL``) points at an S3-compatible server and switches to path-style addressing
(``http://127.0.0.1:5000/<bucket>/<key>``), which moto and MinIO need.

Presigned URLs are SigV4 query-string URLs (boto3 ``generate_presigned_url``): ``get_object``,
``put_object`` (any ``Content-Type`` may be sent; only ``host`` is signed) and ``upload_part`` for
multipart targets (S3 "Uploading and copying objects using multipart upload": parts of 5 MiB to
5 GiB, the last may be smaller; up to 10,000 parts; the upload is completed with the parts' ETags,
which :meth:`S3Store.complete_multipart_upload` lists with the bucket credentials, as AEM's Oak
``S3Backend`` does). Uncompleted parts are not an object: they are never listed or readable.

Note that moto accepts expired or tampered presigned URLs (runtime-and-scale.md section 3.2):
negative auth tests run against Azurite.

Errors: 401/403 and missing credentials -> :class:`StoreAccessDenied`, 404 -> :class:`BlobNotFound`
(a missing bucket on a write -> :class:`StoreError`), anything else -> :class:`StoreError`.

Modules (the store class is built from one base and three mixins)::

    client.py     S3Bucket: boto3 client, error mapping, create the bucket
    objects.py    S3Objects: put, get, stream, stat, exists, delete, list
    presign.py    S3Presign: presigned_read_url, presigned_write_url; S3_MAX_EXPIRES_IN
    multipart.py  S3Multipart: UploadPart targets, completion, abort; S3_* part limits
    store.py      S3Store: all of the above
"""

from imgworker.storage.s3.multipart import S3_MAX_PART_SIZE, S3_MAX_PARTS, S3_MIN_PART_SIZE
from imgworker.storage.s3.presign import S3_MAX_EXPIRES_IN
from imgworker.storage.s3.store import S3Store

__all__ = ["S3_MAX_EXPIRES_IN", "S3_MAX_PARTS", "S3_MAX_PART_SIZE", "S3_MIN_PART_SIZE", "S3Store"]
