"""All tables, one module per concern. Importing this package registers every table."""

from bastion.store.models import actors as actors
from bastion.store.models import banks as banks
from bastion.store.models import core as core
from bastion.store.models import learning as learning
from bastion.store.models import notices as notices
from bastion.store.models import orders as orders
from bastion.store.models import review as review
from bastion.store.models import statements as statements
from bastion.store.models import stream as stream
from bastion.store.models import symbols as symbols
from bastion.store.models import threats as threats
